import { defaultFieldResolver, getNamedType, isObjectType, isScalarType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { SubgraphDefinition } from './definition.ts';
import { CLAIM_HORIZON_DAYS, claimLimiter } from './claim-limits.ts';
import { checkLimitedField, claimShape, guardCompare } from './compare-guard.ts';
import { processSubgraphConfig } from '../config.ts';
import { guardLookup, unknownKeyBudget } from './lookup-budget.ts';
import { claimDigestKey, ensureRecords } from './records.ts';
import type { Sql } from './sql.ts';
import { claimKeyStore, type ClaimKeyStore } from './claim-key-store.ts';
import { sealedShape } from './sealed-compare.ts';

export interface GuardOptions {
  definition: SubgraphDefinition<unknown>;
  /** The subgraph's own policy model (which fields are `@compare`). */
  model: PolicyModel;
  sql: Sql;
  /** The subgraph's metrics registry (`/metrics`). */
  registry: Registry;
  /** `GOVSHARE_UNKNOWN_KEY_BUDGET` as configured; absent, the process's configuration (subgraphs/config.ts). */
  unknownKeyBudget?: number;
}

/** What the guards hand the server: the claim key, where a comparison takes sealed claims (its `/claim-key` route). */
export interface SubgraphGuards { claimKeys?: ClaimKeyStore }

/** Whether a type is an entity of this subgraph (has a `@key`). */
function isEntity(type: GraphQLObjectType): boolean {
  return [type.astNode, ...type.extensionASTNodes].some((node) => node?.directives?.some((d) => d.name.value === 'key'));
}

/**
 * Puts the kit's guards in front of the provider's resolvers, generically, so a provider writing a new
 * field gets them without asking:
 * - every `@compare` field: the claim limit (compare-guard.ts, claim-limits.ts), and where it takes
 *   sealed claims, their opening and the sealing of its results (sealed-compare.ts) with the provider's
 *   claim key, generated on first start in its records (claim-key-store.ts);
 * - every root lookup (a root field returning entities, taking ID keys): the unknown-key budget
 *   (lookup-budget.ts).
 * Creates the kit's records in the provider's database first (records.ts). Throws, before the
 * subgraph serves anything, when a `@compare` field's shape cannot be limited or its result lacks
 * `limited: Boolean!`, and when `GOVSHARE_UNKNOWN_KEY_BUDGET` is not a valid number.
 */
export async function guardSubgraph(schema: GraphQLSchema, options: GuardOptions): Promise<SubgraphGuards> {
  const { definition, model, sql, registry } = options;
  const budgetPerDay = options.unknownKeyBudget ?? processSubgraphConfig().unknownKeyBudget;
  const roots = [schema.getQueryType(), schema.getMutationType()].filter((t): t is GraphQLObjectType => !!t);
  const compareFields = roots.flatMap((type) => Object.values(type.getFields())
    .filter((f) => model.fields.get(`${type.name}.${f.name}`)?.compare).map((field) => ({ type, field })));
  const lookupFields = roots.flatMap((type) => Object.values(type.getFields())
    .filter((f) => !model.fields.get(`${type.name}.${f.name}`)?.compare && !f.name.startsWith('_'))
    .filter((f) => { const t = getNamedType(f.type); return isObjectType(t) && isEntity(t); })
    .filter((f) => f.args.some((a) => { const t = getNamedType(a.type); return isScalarType(t) && t.name === 'ID'; }))
    .map((field) => ({ type, field })));

  // Shapes are checked before anything touches the database: a broken subgraph fails fast.
  const shapes = compareFields.map(({ type, field }) => {
    const coordinate = `${type.name}.${field.name}`;
    checkLimitedField(coordinate, field);
    const shape = claimShape(coordinate, field, definition.claims ?? {});
    const policy = model.fields.get(coordinate)!;
    const sealed = sealedShape(coordinate, field, { required: policy.sealedClaims === 'REQUIRED', resource: policy.resource, claimsArgument: shape.argument, list: shape.list });
    return { field, coordinate, shape, sealed };
  });
  if (shapes.length === 0 && lookupFields.length === 0) return {};

  const recordsSchema = await ensureRecords(sql, definition.dbSchema, CLAIM_HORIZON_DAYS);
  const guards: SubgraphGuards = {};
  if (shapes.length > 0) {
    const limitedClaims = new Counter({
      name: 'govshare_subgraph_compare_limited_total',
      help: 'Comparison claims answered with limited: true (a claimed value past the allowance of CONTRACT §5)',
      labelNames: ['subgraph', 'consumer'],
      registers: [registry],
    });
    const limiter = claimLimiter(sql, recordsSchema, await claimDigestKey(sql, recordsSchema));
    if (shapes.some((s) => s.sealed)) {
      guards.claimKeys = claimKeyStore(sql, recordsSchema);
      await guards.claimKeys.current(); // generated now, on first start, not when a consumer is waiting
    }
    for (const { field, coordinate, shape, sealed } of shapes) {
      field.resolve = guardCompare(field.resolve ?? defaultFieldResolver, {
        coordinate, shape, limiter,
        onLimited: (consumer, claims) => limitedClaims.inc({ subgraph: definition.name, consumer }, claims),
        ...(sealed ? { sealed: { shape: sealed, keys: guards.claimKeys! } } : {}),
      });
    }
  }
  if (lookupFields.length > 0) {
    const unknownLookups = new Counter({
      name: 'govshare_subgraph_unknown_key_lookups_total',
      help: 'Keys looked up that the register does not hold, per consumer (enumeration shows here first)',
      labelNames: ['subgraph', 'consumer'],
      registers: [registry],
    });
    const budget = unknownKeyBudget({
      sql, schema: recordsSchema, subgraph: definition.name, budget: budgetPerDay,
      onMisses: (consumer, misses) => unknownLookups.inc({ subgraph: definition.name, consumer }, misses),
    });
    for (const { type, field } of lookupFields) {
      field.resolve = guardLookup(field.resolve ?? defaultFieldResolver, `${type.name}.${field.name}`, budget);
    }
  }
  return guards;
}
