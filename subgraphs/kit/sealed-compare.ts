import {
  Kind, coerceInputValue, getNamedType, getNullableType, isEnumType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLField, type GraphQLInputType, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode,
} from 'graphql';
import { ErrorCode, fieldError } from '../../protocol/errors.ts';
import {
  LENGTH_PREFIX_BYTES, MAX_SEALED_CLAIMS, RESULT_BYTES, SEALED_CLAIMS_ARGUMENT, SEALED_RESULT_FIELD, SEALED_RESULT_SCALAR, SEALING_ARGUMENT,
  SEALING_INPUT_TYPE, SealedClaimsError, checkSealedBatch, openClaims, sealResults,
  type ClaimBinding, type ClaimSealing, type SealedClaimsReason,
} from '../../protocol/sealed-claims/index.ts';
import type { ClaimKeyStore } from './claim-key-store.ts';

/**
 * Sealed claims at the provider (protocol/sealed-claims/): the gateway forwards ciphertexts it cannot
 * open; the kit opens them here with the provider's claim key, hands the provider's comparison the
 * claims as if they had come in clear (the claim limits of compare-guard.ts included), and seals each
 * result back to the consumer's ephemeral key. A batch that does not open — one claim tampered with,
 * sealed for another request, consumer, resource or purpose, or to a key rotated away — is refused as a
 * whole with BAD_USER_INPUT before anything is compared or counted.
 */

/** How one `@compare` field takes sealed claims; `null` for a field that does not. */
export interface SealedShape {
  /** `@compare(sealed: REQUIRED)`: claims in clear are refused. */
  required: boolean;
  /** The resource of the comparison: bound into every claim's AAD. */
  resource: string;
  /** One claim's input type, for checking what a claim opens to. */
  claimType: GraphQLInputType;
  /** The result type's flags, in field order: what each sealed result holds. */
  flags: string[];
}

/** The refusal a consumer sees: BAD_USER_INPUT with the protocol's reason; the message names positions, never values. */
export function sealedRefusal(error: SealedClaimsError): Error {
  return fieldError(ErrorCode.BAD_USER_INPUT, error.message, { reason: error.reason });
}

const refuse = (reason: SealedClaimsReason, message: string) => sealedRefusal(new SealedClaimsError(reason, message));

/** The longest JSON text a leaf of this type can take in a result (the register's values stay out: flags, counts, enums). */
function longestValue(type: GraphQLField<unknown, unknown>['type']): number | null {
  const named = getNamedType(type);
  if (isListType(getNullableType(type))) return null;
  if (isEnumType(named)) return Math.max(...named.getValues().map((v) => v.name.length + 2));
  if (isScalarType(named)) return ({ Boolean: 5, Int: 11, Float: 24 } as Record<string, number>)[named.name] ?? null;
  return null;
}

/**
 * Reads whether a `@compare` field takes sealed claims: it declares `sealedClaims: [String!]` and
 * `sealing: ClaimSealing`, and its result type `sealed: SealedResult`. Throws at start-up on half a
 * declaration, on `REQUIRED` without the arguments, and on a result that could outgrow its padding.
 */
export function sealedShape(
  coordinate: string, field: GraphQLField<unknown, unknown>, options: { required: boolean; resource: string; claimsArgument: string | null; list: boolean },
): SealedShape | null {
  const sealedArg = field.args.find((a) => a.name === SEALED_CLAIMS_ARGUMENT);
  const sealingArg = field.args.find((a) => a.name === SEALING_ARGUMENT);
  const result = getNamedType(field.type) as GraphQLObjectType;
  const sealedField = isObjectType(result) ? result.getFields()[SEALED_RESULT_FIELD] : undefined;
  const declared = [sealedArg, sealingArg, sealedField].filter(Boolean).length;
  if (declared === 0) {
    if (options.required) throw new Error(`${coordinate} is @compare(sealed: REQUIRED) but declares no ${SEALED_CLAIMS_ARGUMENT}/${SEALING_ARGUMENT} arguments`);
    return null;
  }
  const problem = (what: string) => new Error(`${coordinate}: a comparison that takes sealed claims ${what}`);
  const sealedList = sealedArg ? getNullableType(sealedArg.type) : undefined;
  const listOfStrings = isListType(sealedList) && isNonNullType(sealedList.ofType) && getNamedType(sealedList).name === 'String';
  if (!sealedArg || !listOfStrings) throw problem(`declares ${SEALED_CLAIMS_ARGUMENT}: [String!]`);
  if (!sealingArg || getNamedType(sealingArg.type).name !== SEALING_INPUT_TYPE) throw problem(`declares ${SEALING_ARGUMENT}: ${SEALING_INPUT_TYPE}`);
  if (!sealedField || getNamedType(sealedField.type).name !== SEALED_RESULT_SCALAR || isNonNullType(sealedField.type)) {
    throw problem(`returns ${SEALED_RESULT_FIELD}: ${SEALED_RESULT_SCALAR} (nullable: claims in clear answer null there)`);
  }
  if (!options.list || options.claimsArgument === null) throw problem('takes a list of claims in one argument');
  const claimsArg = field.args.find((a) => a.name === options.claimsArgument)!;
  if (isNonNullType(claimsArg.type) && claimsArg.defaultValue === undefined) {
    throw problem(`lets ${claimsArg.name} be left out (a default, e.g. ${claimsArg.name}: ${String(claimsArg.type)} = [])`);
  }
  const flags = Object.values(result.getFields()).filter((f) => f.name !== 'index' && f.name !== SEALED_RESULT_FIELD);
  // Every result, whatever its flags, must fit the padding: checked here, not when a consumer is waiting.
  let longest = 2;
  for (const f of flags) {
    const value = longestValue(f.type);
    if (value === null) throw problem(`has flags only in its result (${result.name}.${f.name} is ${String(f.type)})`);
    longest += f.name.length + 4 + value;
  }
  if (longest > RESULT_BYTES - LENGTH_PREFIX_BYTES) throw problem(`has a result (${result.name}) too large to seal in ${RESULT_BYTES} bytes`);
  const claimType = getNullableType(claimsArg.type);
  if (!isListType(claimType)) throw problem('takes a list of claims');
  return { required: options.required, resource: options.resource, claimType: claimType.ofType as GraphQLInputType, flags: flags.map((f) => f.name) };
}

/** Whether the request sends sealed claims at all (either argument). */
export function isSealedRequest(args: Record<string, unknown>): boolean {
  return args[SEALED_CLAIMS_ARGUMENT] != null || args[SEALING_ARGUMENT] != null;
}

/**
 * A sealed comparison answers `index` and `sealed` only: its flags are in the sealed value, and the ones
 * in clear would have to be made up. Asked for anything else, it is refused before opening.
 */
export function checkSealedSelection(info: GraphQLResolveInfo): void {
  const allowed = new Set(['index', SEALED_RESULT_FIELD, '__typename']);
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (!allowed.has(selection.name.value)) throw refuse('SEALED_SELECTION', `a sealed comparison answers index and ${SEALED_RESULT_FIELD} only (its flags are inside ${SEALED_RESULT_FIELD}); ${selection.name.value} was asked for`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
}

/** An opened batch: the claims in clear for the comparison, and what seals its answer. */
export interface OpenedBatch {
  claims: Array<Record<string, unknown>>;
  sealing: ClaimSealing;
  binding: ClaimBinding;
}

/**
 * Opens a batch for `consumer` with the current claim key. Refuses (BAD_USER_INPUT, with the protocol's
 * reason) a malformed batch, plain claims beside sealed ones, a batch sealed to another key, one that
 * does not open, and claims that are not claims of this comparison.
 */
export async function openSealedBatch(
  args: Record<string, unknown>, claimsArgument: string, shape: SealedShape, keys: ClaimKeyStore, caller: { consumer: string; purpose: string },
): Promise<OpenedBatch> {
  const plain = args[claimsArgument];
  if (Array.isArray(plain) ? plain.length > 0 : plain != null) {
    throw refuse('SEALED_CLAIMS_MALFORMED', `send ${claimsArgument} or ${SEALED_CLAIMS_ARGUMENT}, not both`);
  }
  try {
    const { sealing, ciphertexts } = checkSealedBatch(args[SEALING_ARGUMENT], args[SEALED_CLAIMS_ARGUMENT], MAX_SEALED_CLAIMS);
    const current = await keys.current();
    if (sealing.kid !== current.stored.kid) {
      throw new SealedClaimsError('CLAIM_KEY_NOT_CURRENT',
        `the claims are sealed to claim key ${sealing.kid}, which is not this provider's current one (rotated?): seal them to the key the catalog publishes now (Resource.claimKey)`);
    }
    const binding: ClaimBinding = { requestId: sealing.requestId, consumer: caller.consumer, resource: shape.resource, purpose: caller.purpose };
    const opened = await openClaims(current.privateKey, sealing, ciphertexts, binding);
    const claims = opened.map((value, i) => asClaim(value, shape.claimType, i));
    return { claims, sealing, binding };
  } catch (error) {
    if (error instanceof SealedClaimsError) throw sealedRefusal(error);
    throw error;
  }
}

/** An opened claim is a claim of this comparison, coerced like an argument (the message never quotes it). */
function asClaim(value: unknown, type: GraphQLInputType, index: number): Record<string, unknown> {
  let valid = true;
  const coerced = value !== null && typeof value === 'object' && !Array.isArray(value)
    ? coerceInputValue(value, type, () => { valid = false; }) : (valid = false, null);
  if (!valid || coerced === null || typeof coerced !== 'object') {
    throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', `sealed claim ${index} opens to no ${String(getNamedType(type))}`);
  }
  return coerced as Record<string, unknown>;
}

/** The sealed answer: each result's flags sealed back to the consumer's reply key, in claim order. */
export async function sealedAnswer(results: unknown, shape: SealedShape, batch: OpenedBatch): Promise<Array<{ index: number; sealed: string }>> {
  const list = Array.isArray(results) ? results as Array<Record<string, unknown> | null> : [];
  if (list.length !== batch.claims.length) throw new Error(`the comparison answered ${list.length} results for ${batch.claims.length} claims`);
  const flags = list.map((r, position) => {
    if (!r || typeof r !== 'object' || (typeof r.index === 'number' && r.index !== position)) {
      throw new Error(`result ${position} is missing or out of claim order`);
    }
    return Object.fromEntries(shape.flags.map((f) => [f, r[f] ?? null]));
  });
  const sealed = await sealResults(batch.sealing, batch.binding, flags);
  return sealed.map((value, index) => ({ index, sealed: value }));
}
