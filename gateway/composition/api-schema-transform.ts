import {
  Kind, visit,
  type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type StringValueNode,
} from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';

const FEDERATION_LINK = /^https:\/\/specs\.apollo\.dev\/federation\/v2\./;

/**
 * Prepares a subgraph's SDL for composition so the gateway's API schema follows the policy:
 * NONE fields become `@inaccessible` (absent from the API schema, from introspection and from
 * "did you mean" suggestions), CONDITIONAL fields carry their condition in their description.
 */
export function applySharePolicyToSdl(document: DocumentNode, subgraph: string, model: PolicyModel): DocumentNode {
  let typeName: string | null = null;
  let usesInaccessible = false;
  const transformed = visit(document, {
    ObjectTypeDefinition: { enter: (node) => { typeName = node.name.value; }, leave: () => { typeName = null; } },
    ObjectTypeExtension: { enter: (node) => { typeName = node.name.value; }, leave: () => { typeName = null; } },
    InterfaceTypeDefinition: { enter: () => { typeName = null; } },
    FieldDefinition: (node: FieldDefinitionNode) => {
      if (!typeName) return undefined;
      const policy = model.fields.get(`${typeName}.${node.name.value}`);
      if (!policy) return undefined;
      if (policy.shareType === 'NONE') {
        if (node.directives?.some((d) => d.name.value === 'inaccessible')) return undefined;
        usesInaccessible = true;
        return { ...node, directives: [...(node.directives ?? []), directive('inaccessible')] };
      }
      // Only the owner describes the field; a repeated key field keeps the owner's text.
      if (policy.shareType === 'CONDITIONAL' && policy.subgraph === subgraph) {
        return { ...node, description: stringValue(describeConditional(node.description?.value ?? null, policy.condition)) };
      }
      return undefined;
    },
  }) as DocumentNode;
  return usesInaccessible ? importFederationDirective(transformed, 'inaccessible') : transformed;
}

export function describeConditional(description: string | null, condition: string | null): string {
  const rule = `有条件共享 (CONDITIONAL): ${condition ?? '须经提供部门审批'}。需申请授权并说明用途 (X-Share-Purpose).`;
  return description ? `${description}\n\n${rule}` : rule;
}

/** Adds `@name` to the federation `@link(import:)` list so the subgraph may use it. */
function importFederationDirective(document: DocumentNode, name: string): DocumentNode {
  return visit(document, {
    Directive: (node) => {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !FEDERATION_LINK.test(url.value)) return undefined;
      const importArg = node.arguments?.find((a) => a.name.value === 'import');
      const wanted = stringValue(`@${name}`);
      if (!importArg) {
        return { ...node, arguments: [...(node.arguments ?? []), { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'import' }, value: { kind: Kind.LIST, values: [wanted] } }] };
      }
      const list = importArg.value;
      if (list.kind !== Kind.LIST) return undefined;
      if (list.values.some((v) => v.kind === Kind.STRING && v.value === `@${name}`)) return undefined;
      return {
        ...node,
        arguments: node.arguments!.map((a) => a === importArg ? { ...a, value: { ...list, values: [...list.values, wanted] } } : a),
      };
    },
  }) as DocumentNode;
}

function directive(name: string): ConstDirectiveNode {
  return { kind: Kind.DIRECTIVE, name: { kind: Kind.NAME, value: name }, arguments: [] };
}

function stringValue(value: string): StringValueNode {
  return { kind: Kind.STRING, value, block: false };
}
