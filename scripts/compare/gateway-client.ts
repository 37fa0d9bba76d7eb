import { compareOperation, type CompareTarget } from './resources.ts';

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

/** The gateway refused or failed the request: carries the contract code (CONTRACT §8). */
export class GatewayError extends Error {
  constructor(readonly code: string, message: string, readonly details: Record<string, unknown> = {}) { super(message); }

  /** What to tell the person at the terminal, with the next step where there is one. */
  describe(): string {
    const lines = [`${this.code}: ${this.message}`];
    const denied = this.details.denied as Array<{ coordinate: string; resource: string; provider: string; condition?: string | null }> | undefined;
    if (this.code === 'SHARE_DENIED' && denied?.length) {
      for (const d of denied) {
        lines.push(`  apply for access to resource ${d.resource} (provider ${d.provider}), field ${d.coordinate}${d.condition ? ` — condition: ${d.condition}` : ''}`);
      }
      lines.push('  (mutation applyForAccess(input: { resource, fields, purpose }) on the gateway; the provider reviews it)');
    } else if (this.code === 'PURPOSE_REQUIRED') {
      lines.push('  state the purpose of use with --purpose <text>, e.g. --purpose 低保核对');
    } else if (this.code === 'UNAUTHENTICATED') {
      lines.push('  pass a valid department token with --token or GOVSHARE_TOKEN (npm run token -- --dept <code>)');
    }
    return lines.join('\n');
  }
}

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);

/** Sends one batch of claims as one GraphQL request; returns the verifications in claim order. */
export function createGatewayClient(target: CompareTarget, options: GatewayOptions) {
  const url = /\/graphql\/?$/.test(options.gateway) ? options.gateway : `${options.gateway.replace(/\/+$/, '')}/graphql`;
  const query = compareOperation(target);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.token}`,
  };
  if (options.purpose) headers['x-share-purpose'] = encodeURIComponent(options.purpose);
  if (options.operator) headers['x-share-operator'] = encodeURIComponent(options.operator);
  const attempts = options.attempts ?? 5;
  const timeoutMs = options.timeoutMs ?? 120_000;

  async function once(body: string): Promise<{ status: number; retryAfter: number | null; json: any }> {
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

  return async function verify(claims: readonly Claim[]): Promise<Verification[]> {
    const body = JSON.stringify({ query, variables: { claims }, operationName: 'CompareBatch' });
    let answer: Awaited<ReturnType<typeof once>> | null = null;
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
    const { status, json } = answer!;
    const error = json?.errors?.[0];
    if (error) {
      const { code, ...details } = (error.extensions ?? {}) as Record<string, unknown>;
      throw new GatewayError(String(code ?? `HTTP_${status}`), String(error.message), details);
    }
    const results = json?.data?.[target.field] as Verification[] | undefined;
    if (!Array.isArray(results) || results.length !== claims.length) {
      throw new GatewayError('BAD_RESPONSE', `the gateway answered ${Array.isArray(results) ? results.length : 'no'} results for ${claims.length} claims`);
    }
    for (let i = 0; i < results.length; i++) {
      if (results[i]!.index !== i) throw new GatewayError('BAD_RESPONSE', `result ${i} carries index ${results[i]!.index}: results must come in claim order`);
    }
    return results;
  };
}
