import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.ts';
import { SealedClaimsError, sealClaims } from '../../protocol/sealed-claims/index.ts';
import type { SealingParty } from './claim-key.ts';
import { GatewayError } from './gateway-error.ts';
import { MAX_SEALED_BATCH } from './args.ts';
import { compareOperation, sealedCompareOperation, type CompareTarget } from './resources.ts';

export interface GatewayOptions {
  /** Base URL, e.g. `http://127.0.0.1:4000`; `/graphql` is added unless given. */
  gateway: string;
  token: string;
  purpose?: string;
  operator?: string;
  /** Attempts for transient failures (network, 429, 502–504). */
  attempts?: number;
  timeoutMs?: number;
}

export type Claim = Record<string, string>;
export type Verification = Record<string, boolean | number | null>;

export { GatewayError } from './gateway-error.ts';

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);

type Answer = { status: number; retryAfter: number | null; json: any };

/** POSTs GraphQL bodies to the gateway, retrying transient failures; resolves the first answer that is not one. */
function createPoster(options: GatewayOptions) {
  const url = /\/graphql\/?$/.test(options.gateway) ? options.gateway : `${options.gateway.replace(/\/+$/, '')}/graphql`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.token}`,
  };
  if (options.purpose) headers['x-share-purpose'] = encodeURIComponent(options.purpose);
  if (options.operator) headers['x-share-operator'] = encodeURIComponent(options.operator);
  const attempts = options.attempts ?? 5;
  const timeoutMs = options.timeoutMs ?? 120_000;

  async function once(body: string): Promise<Answer> {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new GatewayError(`HTTP_${response.status}`, `the gateway answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return { status: response.status, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null, json };
  }

  return async function post(body: string): Promise<Answer> {
    let answer: Answer | null = null;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown = null;
      try {
        answer = await once(body);
        if (!TRANSIENT_STATUS.has(answer.status)) break;
      } catch (error) {
        if (error instanceof GatewayError) throw error;
        failure = error;
      }
      if (attempt >= attempts) {
        if (answer) break;
        const cause = (failure as { cause?: { code?: string } })?.cause?.code ?? (failure as Error)?.name ?? 'error';
        throw new GatewayError('GATEWAY_UNREACHABLE', `cannot reach the gateway at ${url} (${cause}: ${(failure as Error)?.message}) after ${attempts} attempts`);
      }
      const waitMs = answer?.retryAfter ? answer.retryAfter * 1000 : 500 * 2 ** (attempt - 1);
      answer = null;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return answer!;
  };
}

/** The field's results of an answer, checked: one per claim, in claim order; a refusal becomes a GatewayError. */
function resultsOf(target: CompareTarget, { status, json }: Answer, count: number): Array<Record<string, unknown>> {
  const error = json?.errors?.[0];
  if (error) {
    const { code, ...details } = (error.extensions ?? {}) as Record<string, unknown>;
    throw new GatewayError(String(code ?? `HTTP_${status}`), String(error.message), details);
  }
  const results = json?.data?.[target.field] as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(results) || results.length !== count) {
    throw new GatewayError('BAD_RESPONSE', `the gateway answered ${Array.isArray(results) ? results.length : 'no'} results for ${count} claims`);
  }
  for (let i = 0; i < results.length; i++) {
    if (results[i]!.index !== i) throw new GatewayError('BAD_RESPONSE', `result ${i} carries index ${String(results[i]!.index)}: results must come in claim order`);
  }
  return results;
}

/** Sends one batch of claims in clear as one GraphQL request (`--plain`); returns the verifications in claim order. */
export function createGatewayClient(target: CompareTarget, options: GatewayOptions) {
  const post = createPoster(options);
  const query = compareOperation(target);
  return async function verify(claims: readonly Claim[]): Promise<Verification[]> {
    const answer = await post(JSON.stringify({ query, variables: { claims }, operationName: 'CompareBatch' }));
    return resultsOf(target, answer, claims.length) as Verification[];
  };
}

/**
 * Sends one batch of claims sealed to the provider (the default): each batch gets a fresh request id, its
 * own HPKE context and reply key; the gateway forwards ciphertexts it cannot open and the results come
 * back sealed to this process. A claim too long to seal stops the run (BAD_USER_INPUT) before it is sent.
 * When the provider has rotated its claim key, the key is fetched again (and verified) and the batch
 * sealed anew, a few times while the catalog still serves the old one.
 */
export function createSealedGatewayClient(target: CompareTarget, options: GatewayOptions & { party: SealingParty; refresh: () => Promise<SealingParty> }) {
  const post = createPoster(options);
  const query = sealedCompareOperation(target);
  let party = options.party;
  const purpose = options.purpose ?? '';
  async function verify(claims: readonly Claim[], firstRow = 1): Promise<Verification[]> {
    if (claims.length > MAX_SEALED_BATCH) {
      const out: Verification[] = [];
      for (let i = 0; i < claims.length; i += MAX_SEALED_BATCH) out.push(...await verify(claims.slice(i, i + MAX_SEALED_BATCH), firstRow + i));
      return out;
    }
    for (let attempt = 1; ; attempt++) {
      let batch;
      try {
        batch = await sealClaims(party.key, { requestId: randomUUID(), consumer: party.consumer, resource: target.resource, purpose }, claims);
      } catch (error) {
        if (error instanceof SealedClaimsError) {
          const row = /claim (\d+)/.exec(error.message);
          throw new GatewayError(ErrorCode.BAD_USER_INPUT, row ? `row ${firstRow + Number(row[1])}: ${error.message.replace(/^claim \d+ /, 'the claim ')}` : error.message, { reason: error.reason });
        }
        throw error;
      }
      const answer = await post(JSON.stringify({ query, variables: { sealedClaims: batch.sealedClaims, sealing: batch.sealing }, operationName: 'CompareBatch' }));
      let sealed;
      try {
        sealed = resultsOf(target, answer, claims.length);
      } catch (error) {
        if (error instanceof GatewayError && error.details.reason === 'CLAIM_KEY_NOT_CURRENT' && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
          party = await options.refresh();
          continue;
        }
        throw error;
      }
      try {
        return await batch.openResults(sealed.map((r) => r.sealed as string | null)) as Verification[];
      } catch (error) {
        throw new GatewayError('BAD_RESPONSE', (error as Error).message);
      }
    }
  }
  return verify;
}
