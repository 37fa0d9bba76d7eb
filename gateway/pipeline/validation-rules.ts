import {
  GraphQLError, isAbstractType, isObjectType,
  type FieldNode, type GraphQLCompositeType, type GraphQLSchema, type ValidationContext, type ValidationRule,
} from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { LimitExceeded, type RequestLimits } from './limits.ts';

/**
 * The document-level limits of CONTRACT §8, as graphql-js validation rules: graphql-armor's depth,
 * alias and directive counters (each memoises fragments, so a fragment spread twice is walked once).
 * Field selections are Apollo's `maxRecursiveSelections` (set in `execution/apollo.ts`); tokens are
 * graphql-js' own `maxTokens` parse option; cost depends on variables and is checked per request
 * (`cost.ts`). Apollo keeps a validated document, so a document pays for these checks once.
 */
export function limitRules(limits: RequestLimits): ValidationRule[] {
  // Armor throws by default; reporting keeps graphql-js in charge and lets every limit be named.
  const refuse = (limit: 'depth' | 'aliases' | 'directives', what: string) => ({
    n: limits[limit],
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(new LimitExceeded(limit, limits[limit], what))],
  });
  return [
    // Introspection's standard query is deeper than any data query needs; its size is bounded by cost.
    maxDepthRule({ ...refuse('depth', 'the nesting depth of the operation'), flattenFragments: true, ignoreIntrospection: true }),
    // `__typename` aliases count too: armor's default allow-list would let them through unbounded.
    maxAliasesRule({ ...refuse('aliases', 'the number of aliases'), allowList: [] }),
    maxDirectivesRule(refuse('directives', 'the number of directives')),
  ] as ValidationRule[];
}

/**
 * CONTRACT §3 rule 6: an alias may not take the name of another field of the same type (on an
 * abstract type: of any possible type) or of the parent entity's key field, nor a reserved `__`
 * name. The query planner adds key fields and `__typename` to the selections it sends to
 * subgraphs; an alias with such a name would let a raw key land under a key the mask plan does not
 * govern, or make the planner's merge put one field's value in another's place. In conformance mode
 * it holds wherever a field is classified.
 */
export function aliasCollisionRule(model: () => PolicyModel): ValidationRule {
  return (context: ValidationContext) => {
    const policy = model();
    return {
      Field(node: FieldNode) {
        const alias = node.alias?.value;
        if (alias === undefined || alias === node.name.value) return;
        const parent = context.getParentType();
        if (alias.startsWith('__')) {
          context.reportError(new GraphQLError(`the alias "${alias}" is reserved: names starting with "__" belong to GraphQL`, { nodes: [node] }));
          return;
        }
        if (!parent) return;
        // Conformance mode (the federation audit only): on a type none of whose fields is classified
        // there is no mask for an alias to escape and no key the model governs; plain federation's
        // aliases stand. Any classified field on the type (or a possible type) keeps the rule.
        if (policy.unclassified && !hasClassifiedField(context.getSchema(), parent, policy)) return;
        if (reservedNames(context.getSchema(), parent, policy).has(alias)) {
          context.reportError(new GraphQLError(
            `the alias "${alias}" is the name of a field of ${parent.name}: an alias may not take another field's name (CONTRACT §3 rule 6)`,
            { nodes: [node] },
          ));
        }
      },
    };
  };
}

function hasClassifiedField(schema: GraphQLSchema, parent: GraphQLCompositeType, model: PolicyModel): boolean {
  const types = new Set([parent.name, ...(isAbstractType(parent) ? schema.getPossibleTypes(parent).map((t) => t.name) : [])]);
  for (const policy of model.fields.values()) if (types.has(policy.typeName)) return true;
  return false;
}

const reservedBySchema = new WeakMap<GraphQLSchema, WeakMap<PolicyModel, Map<string, ReadonlySet<string>>>>();

/** Field names of the type (and of every possible type when abstract) plus the entity key fields the model knows. */
function reservedNames(schema: GraphQLSchema, parent: GraphQLCompositeType, model: PolicyModel): ReadonlySet<string> {
  let byModel = reservedBySchema.get(schema);
  if (!byModel) reservedBySchema.set(schema, byModel = new WeakMap());
  let byType = byModel.get(model);
  if (!byType) byModel.set(model, byType = new Map());
  let names = byType.get(parent.name);
  if (names) return names;
  const types = isAbstractType(parent) ? [parent, ...schema.getPossibleTypes(parent)] : [parent];
  const set = new Set<string>();
  for (const type of types) {
    if ('getFields' in type) for (const name of Object.keys(type.getFields())) set.add(name);
    if (isObjectType(type)) for (const policy of model.fields.values()) if (policy.key && policy.typeName === type.name) set.add(policy.fieldName);
  }
  byType.set(parent.name, names = set);
  return names;
}

