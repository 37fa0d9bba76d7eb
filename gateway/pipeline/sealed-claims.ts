import {
  Kind, getArgumentValues,
  type DocumentNode, type FieldNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import {
  SEALED_CLAIMS_ARGUMENT, SEALING_ARGUMENT, SealedClaimsError, checkSealedBatch,
} from '../../protocol/sealed-claims/index.ts';
import { sealedBatchDigest } from '../../protocol/sealed-claims/digest.ts';

/** What the gateway knows, and records, of one sealed batch: metadata and a digest, never a claim. */
export interface SealedBatchFacts {
  /** The comparison, e.g. `Query.verifyPersons`. */
  field: string;
  resource: string;
  /** The consumer's nonce, bound into every claim (and forwarded untouched with them). */
  requestId: string;
  kid: string;
  count: number;
  /** Hex SHA-256 of the batch's ciphertexts (protocol/sealed-claims/digest.ts). */
  sha256: string;
}

/**
 * The sealed batches an operation sends to comparisons, checked from metadata alone (protocol/sealed-claims/
 * wire.ts: the request id, the key id, the two X25519 keys, the number of claims and each ciphertext's exact
 * length), and the refusal of claims in clear where the provider declared `@compare(sealed: REQUIRED)`.
 * The gateway cannot open a claim and does not try: whether one opens, and what it says, is the provider's
 * to check. Root fields only, as comparisons are (the kit guards root fields); through fragments and aliases.
 * Throws `SealedClaimsError`.
 */
export function sealedBatchesOf(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, model: PolicyModel,
  variables: Readonly<Record<string, unknown>> | undefined,
): SealedBatchFacts[] {
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : null;
  if (!root) return [];
  const batches: SealedBatchFacts[] = [];
  for (const node of rootFields(document, operation.selectionSet)) {
    const coordinate = `${root.name}.${node.name.value}`;
    const policy = model.fields.get(coordinate);
    if (!policy?.compare) continue;
    const args = argumentsOf(root, node, variables);
    if (!args) continue;
    const sealed = args[SEALED_CLAIMS_ARGUMENT] != null || args[SEALING_ARGUMENT] != null;
    if (!sealed) {
      if (policy.sealedClaims === 'REQUIRED') {
        throw new SealedClaimsError('SEALED_CLAIMS_REQUIRED', `${coordinate} takes sealed claims only (its provider declares @compare(sealed: REQUIRED)): seal them to Resource.claimKey`);
      }
      continue;
    }
    const { sealing, ciphertexts } = checkSealedBatch(args[SEALING_ARGUMENT], args[SEALED_CLAIMS_ARGUMENT]);
    batches.push({
      field: coordinate, resource: policy.resource, requestId: sealing.requestId, kid: sealing.kid,
      count: ciphertexts.length, sha256: sealedBatchDigest(sealing, ciphertexts),
    });
  }
  return batches;
}

/** The operation's root field nodes, through fragment spreads and inline fragments (each fragment once). */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode): FieldNode[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const out: FieldNode[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) out.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return out;
}

/** The field's arguments with the request's variables; null where they do not resolve (execution reports that). */
function argumentsOf(root: GraphQLObjectType, node: FieldNode, variables: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | null {
  const definition = root.getFields()[node.name.value];
  if (!definition) return null;
  try {
    return getArgumentValues(definition, node, { ...variables });
  } catch {
    return null;
  }
}
