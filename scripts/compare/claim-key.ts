import { createLocalJWKSet } from 'jose';
import { ClaimKeyVerificationError, verifyClaimKey, type SignedClaimKey } from '../../protocol/sealed-claims/index.ts';
import { GatewayError } from './gateway-error.ts';

/** What sealing needs from the gateway before the first batch: who the caller is, and the provider's key, verified. */
export interface SealingParty {
  /** The caller's department code, as the provider reads it from the gateway's signature (bound into every claim). */
  consumer: string;
  provider: string;
  key: SignedClaimKey;
}

const QUERY = 'query ClaimKey($code: String!) { me { code } resource(code: $code) { provider claimKey { kid key suite signature } } }';

/**
 * Asks the gateway for the caller's department and the resource's claim key, and verifies the key's
 * signature against the gateway's published keys (`/.well-known/jwks.json` of the same gateway): a key
 * the gateway did not register for this resource is never sealed to.
 */
export async function fetchClaimKey(options: { gateway: string; token: string; resource: string; timeoutMs?: number }): Promise<SealingParty> {
  const base = options.gateway.replace(/\/graphql\/?$/, '').replace(/\/+$/, '');
  const signal = () => AbortSignal.timeout(options.timeoutMs ?? 30_000);
  let answer: any;
  let jwks: unknown;
  try {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST', signal: signal(),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: QUERY, variables: { code: options.resource }, operationName: 'ClaimKey' }),
    });
    answer = await response.json();
    jwks = await (await fetch(`${base}/.well-known/jwks.json`, { signal: signal() })).json();
  } catch (error) {
    throw new GatewayError('GATEWAY_UNREACHABLE', `cannot read the claim key of ${options.resource} from ${base} (${(error as Error).message})`);
  }
  const error = answer?.errors?.[0];
  if (error) {
    const { code, ...details } = (error.extensions ?? {}) as Record<string, unknown>;
    throw new GatewayError(String(code ?? 'BAD_RESPONSE'), String(error.message), details);
  }
  const consumer = answer?.data?.me?.code;
  const key = answer?.data?.resource?.claimKey as SignedClaimKey | null | undefined;
  if (typeof consumer !== 'string') throw new GatewayError('BAD_RESPONSE', 'the gateway did not say which department the token is');
  if (!answer?.data?.resource) throw new GatewayError('BAD_USER_INPUT', `the catalog has no resource ${options.resource}`);
  if (!key) throw new GatewayError('BAD_USER_INPUT', `${options.resource} publishes no claim key: its comparisons take no sealed claims (use --plain)`);
  try {
    const { provider } = await verifyClaimKey(key, options.resource, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]));
    return { consumer, provider, key };
  } catch (problem) {
    if (problem instanceof ClaimKeyVerificationError || problem instanceof TypeError) throw new GatewayError('CLAIM_KEY_UNVERIFIED', (problem as Error).message);
    throw problem;
  }
}
