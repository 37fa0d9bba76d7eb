import {
  getNamedType, getNullableType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLArgument, type GraphQLField, type GraphQLFieldResolver, type GraphQLInputField, type GraphQLInputType,
} from 'graphql';
import type { ClaimRule } from './definition.ts';
import { forbidden } from '../../protocol/errors.ts';
import { checkClaimCount, normalizeIdentifier } from './compare-normalize.ts';
import type { ClaimedValue, ClaimLimiter } from './claim-limits.ts';
import { SEALED_CLAIMS_ARGUMENT, SEALED_RESULT_FIELD, SEALING_ARGUMENT, SealedClaimsError } from '../../protocol/sealed-claims/index.ts';
import type { ClaimKeyStore } from './claim-key-store.ts';
import { checkSealedSelection, isSealedRequest, openSealedBatch, sealedAnswer, sealedRefusal, type OpenedBatch, type SealedShape } from './sealed-compare.ts';

/**
 * The kit's guard on every `@compare` field: a comparison is no oracle (CONTRACT §5 v1.1). The
 * provider writes its comparison as before; the kit, in front of it,
 *
 * 1. refuses a comparison without a verified calling department (`caller.sub` of the gateway
 *    signature: the allowance is per consumer),
 * 2. reads each claim's subject (its `ID!` fields, normalised as record keys are) and claimed values
 *    (every other field), normalised by the field's `ClaimRule` — the comparison's own normaliser, so
 *    `张伟`, ` 张伟 ` and `张伟　` are one value and `１９８５年３月１２日` is `1985-03-12`,
 * 3. asks the claim limiter which values may be answered, in one statement for the whole batch,
 * 4. hands the provider the claims with every withheld value removed (`null`): a field left out is not
 *    compared, so each flag that depends on it is `null` and the provider never sees the value, while
 *    flags that need no claimed value (`found`, `active`) still answer,
 * 5. sets `limited` on every result: `true` where a value of that claim was withheld.
 *
 * A comparison that claims nothing but the subject's key (`verifyPropertyOwnership`) has nothing to
 * limit: its results carry `limited: false`. What it tells (whether a person owns property and how
 * many) is exactly what its grant covers, and trying other keys only asks about other people.
 *
 * Sealed claims (sealed-compare.ts) are opened before step 2 and go through the same steps; their
 * results are sealed back after step 5. A field that takes them answers `sealed: null` to claims in
 * clear, whatever the provider's resolver put there.
 */

/** One claimed field of a claim: its name in the claim, its coordinate and its rule. */
interface ClaimField { name: string; coordinate: string; rule: ClaimRule }

/** Where a `@compare` field's claims are and what they consist of. */
export interface ClaimShape {
  /** The argument holding the claims, or `null` when the field's arguments are themselves the one claim. */
  argument: string | null;
  /** The argument is a list of claims (results then correspond to claims by `index`). */
  list: boolean;
  /** The claim's `ID!` fields: together they name the subject. */
  subject: string[];
  /** Everything else the claim states. */
  claimed: ClaimField[];
}

const exactText = (value: string): string => value;

function isIdNonNull(type: GraphQLInputType): boolean {
  return isNonNullType(type) && isScalarType(type.ofType) && type.ofType.name === 'ID';
}

/**
 * Reads the claim shape from the field's arguments: one argument that is a list of input objects (or
 * one input object) holds the claims; without one, the arguments are the claim. Refuses, at start-up,
 * a shape whose subject cannot be told (claimed values but no `ID!` key), so no comparison runs unlimited.
 */
export function claimShape(
  coordinate: string, field: GraphQLField<unknown, unknown>, rules: Readonly<Record<string, ClaimRule>>,
): ClaimShape {
  const ruleFor = (claimCoordinate: string): ClaimRule => rules[claimCoordinate] ?? { compares: claimCoordinate, normalize: exactText };
  // The sealed-claims arguments carry ciphertexts and their metadata, never a claim in clear.
  const args = field.args.filter((a) => a.name !== SEALED_CLAIMS_ARGUMENT && a.name !== SEALING_ARGUMENT);
  const inputs = args.filter((a) => isInputObjectType(getNamedType(a.type)));
  if (inputs.length > 1) {
    throw new Error(`${coordinate}: a @compare field takes its claims in one argument; ${inputs.map((a) => a.name).join(', ')} are several`);
  }
  let shape: ClaimShape;
  if (inputs.length === 1) {
    const arg = inputs[0]!;
    const type = getNamedType(arg.type);
    if (!isInputObjectType(type)) throw new Error('unreachable');
    const fields = Object.values(type.getFields()) as GraphQLInputField[];
    shape = {
      argument: arg.name,
      list: isListType(getNullableType(arg.type)),
      subject: fields.filter((f) => isIdNonNull(f.type)).map((f) => f.name),
      claimed: fields.filter((f) => !isIdNonNull(f.type))
        .map((f) => ({ name: f.name, coordinate: `${type.name}.${f.name}`, rule: ruleFor(`${type.name}.${f.name}`) })),
    };
  } else {
    // Scalar arguments: ID! ones name the subject, a list of IDs only lists subjects, the rest is claimed.
    const claimedArgs = args.filter((a: GraphQLArgument) => !(isScalarType(getNamedType(a.type)) && getNamedType(a.type).name === 'ID'));
    shape = {
      argument: null,
      list: false,
      subject: args.filter((a) => isIdNonNull(a.type)).map((a) => a.name),
      claimed: claimedArgs.map((a) => ({ name: a.name, coordinate: `${coordinate}(${a.name}:)`, rule: ruleFor(`${coordinate}(${a.name}:)`) })),
    };
  }
  if (shape.claimed.length > 0 && shape.subject.length === 0) {
    throw new Error(`${coordinate}: its claims state ${shape.claimed.map((c) => c.name).join(', ')} but have no ID! key naming the subject, so the kit cannot limit them (CONTRACT §5)`);
  }
  for (const c of shape.claimed) {
    if (!/^[A-Za-z_][A-Za-z0-9_.():]*$/.test(c.rule.compares)) {
      throw new Error(`${coordinate}: claim rule for ${c.coordinate} names "${c.rule.compares}"; name a field coordinate such as Person.name`);
    }
  }
  return shape;
}

/** The result type must say whether a claim was limited (CONTRACT §5 v1.1). */
export function checkLimitedField(coordinate: string, field: GraphQLField<unknown, unknown>): void {
  const result = getNamedType(field.type);
  const limited = isObjectType(result) ? result.getFields().limited : undefined;
  const ok = limited && isNonNullType(limited.type) && isScalarType(limited.type.ofType) && limited.type.ofType.name === 'Boolean';
  if (!ok) {
    throw new Error(`${coordinate} returns ${result.name}, which lacks "limited: Boolean!": every comparison result says whether a claim was limited (CONTRACT §5 v1.1)`);
  }
}

/** A claim value as the comparison would see it: `null` when the claim leaves it out. */
function stated(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  return JSON.stringify(value);
}

/**
 * Results get `limited`; list results by their `index` (their position where they carry none). Where
 * the field takes sealed claims, `sealed` is the kit's alone: null here, the sealed flags in a sealed answer.
 */
function markLimited(result: unknown, limited: (index: number) => boolean, sealable: boolean): unknown {
  const mark = (r: unknown, position: number) => {
    if (r === null || typeof r !== 'object' || r instanceof Error) return r;
    const index = typeof (r as { index?: unknown }).index === 'number' ? (r as { index: number }).index : position;
    return { ...(r as object), limited: limited(index), ...(sealable ? { [SEALED_RESULT_FIELD]: null } : {}) };
  };
  return Array.isArray(result) ? result.map(mark) : mark(result, 0);
}

interface GuardContext { caller?: { sub?: unknown; pur?: string } | undefined }

export interface CompareGuardOptions {
  coordinate: string;
  shape: ClaimShape;
  limiter: ClaimLimiter;
  /** Counts claims answered with `limited: true`, per consumer. */
  onLimited?: (consumer: string, claims: number) => void;
  /** How the field takes sealed claims, with the provider's claim key; absent, it takes claims in clear only. */
  sealed?: { shape: SealedShape; keys: ClaimKeyStore };
}

/** Wraps a `@compare` field's resolver with the claim limit. */
export function guardCompare(resolve: GraphQLFieldResolver<unknown, unknown>, options: CompareGuardOptions): GraphQLFieldResolver<unknown, unknown> {
  const { coordinate, shape, limiter, onLimited, sealed } = options;
  const fieldName = coordinate.slice(coordinate.indexOf('.') + 1);
  return async (parent, sent: Record<string, unknown>, ctx, info) => {
    const caller = (ctx as GuardContext).caller;
    const consumer = caller?.sub;
    if (typeof consumer !== 'string' || consumer === '') {
      throw forbidden(`${coordinate} compares only for a calling department the gateway vouches for`);
    }
    let args = sent;
    let batch: OpenedBatch | null = null;
    if (sealed && isSealedRequest(sent)) {
      checkSealedSelection(info);
      batch = await openSealedBatch(sent, shape.argument!, sealed.shape, sealed.keys, { consumer, purpose: caller?.pur ?? '' });
      // The comparison sees the claims as if they had come in clear, and nothing of the sealing.
      args = { ...sent, [shape.argument!]: batch.claims };
      delete args[SEALED_CLAIMS_ARGUMENT];
      delete args[SEALING_ARGUMENT];
    } else if (sealed?.shape.required) {
      throw sealedRefusal(new SealedClaimsError('SEALED_CLAIMS_REQUIRED', `${coordinate} takes sealed claims only (@compare(sealed: REQUIRED)): seal them to the provider's claim key (Resource.claimKey)`));
    }
    const source = shape.argument === null ? [args] : shape.list ? (args[shape.argument] as unknown[] | null) ?? [] : [args[shape.argument]];
    const claims = source as Array<Record<string, unknown> | null>;
    checkClaimCount(fieldName, claims);

    const values: ClaimedValue[] = [];
    const at: Array<[claim: number, field: string]> = [];
    if (shape.claimed.length > 0) {
      claims.forEach((claim, i) => {
        if (!claim) return;
        const subject = shape.subject.map((k) => normalizeIdentifier(claim[k] as string | null | undefined)).join('\u0000');
        // A blank key finds nothing: nothing about a subject is answered, nothing to count.
        if (subject.replaceAll('\u0000', '') === '') return;
        for (const f of shape.claimed) {
          const value = stated(claim[f.name]);
          if (value === null) continue;
          values.push({ subject, attribute: f.rule.compares, value: f.rule.normalize(value) ?? '\u0000invalid' });
          at.push([i, f.name]);
        }
      });
    }
    const answered = await limiter.admit(consumer, values);

    const withheld = new Map<number, Set<string>>();
    answered.forEach((ok, k) => {
      if (ok) return;
      const [i, name] = at[k]!;
      let set = withheld.get(i);
      if (!set) withheld.set(i, set = new Set());
      set.add(name);
    });
    let effective = args;
    if (withheld.size > 0) {
      const strip = (claim: Record<string, unknown>, fields: Set<string>) => {
        const copy = { ...claim };
        for (const name of fields) copy[name] = null;
        return copy;
      };
      if (shape.argument === null) effective = strip(args, withheld.get(0)!);
      else if (!shape.list) effective = { ...args, [shape.argument]: strip(claims[0]!, withheld.get(0)!) };
      else effective = { ...args, [shape.argument]: claims.map((c, i) => (withheld.has(i) && c ? strip(c, withheld.get(i)!) : c)) };
      onLimited?.(consumer, withheld.size);
    }
    const result = await resolve(parent, effective, ctx, info);
    const marked = markLimited(result, shape.list ? (index) => withheld.has(index) : () => withheld.size > 0, sealed !== undefined);
    return batch ? sealedAnswer(marked, sealed!.shape, batch) : marked;
  };
}
