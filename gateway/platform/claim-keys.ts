import { SIGNATURE_HEADER, type RequestSigner, type SigningKey } from '../../protocol/gateway-signature.ts';
import { ErrorCode, fieldError } from '../../protocol/errors.ts';
import {
  CLAIM_KEY_ROTATION, KID_PATTERN, SEALED_CLAIMS_SUITE, X25519_KEY_CHARS, claimKeyId, type PublicClaimKey, type SignedClaimKey,
} from '../../protocol/sealed-claims/index.ts';
import { fieldsOfResource, type PolicyModel } from '../../schema/policy-model.ts';
import { signClaimKey } from './claim-key-signature.ts';

/** `Resource.claimKey`: the provider's current claim key, signed by the gateway; null where the resource takes no sealed claims. */
export interface ClaimKeyDirectory {
  of(resource: string, requestId: string): Promise<SignedClaimKey | null>;
  /**
   * Has the provider replace the claim key of `resource`'s subgraph (the caller was authorised before),
   * and serves the new one at once; null where the resource takes no sealed claims. `department` is who
   * acts, named in the signed call so the provider's log says who rotated.
   */
  rotate(resource: string, requestId: string, department: string): Promise<SignedClaimKey | null>;
}

export interface ClaimKeyDirectoryOptions {
  model: () => PolicyModel;
  /** The URL of a subgraph's `/graphql` in the supergraph served now. */
  subgraphUrl: (subgraph: string) => string | undefined;
  /** Signs the gateway's own call to the subgraph (no `sub`: nobody's data is asked for). */
  signer: RequestSigner;
  /** The key that signs the claim key for consumers: the gateway's signing key of the moment. */
  signingKey: () => SigningKey;
  now: () => Date;
  /** How long a fetched key is used before it is asked for again: a rotation shows in the catalog this much later. */
  cacheMs?: number;
  timeoutMs?: number;
}

/** Where the kit serves its claim key, beside `/graphql` (subgraphs/kit/claim-key-route.ts). */
const CLAIM_KEY_PATH = 'claim-key';

/**
 * Reads each provider's claim key from its subgraph (a signed GET of `claim-key` beside its `/graphql`),
 * at most every `cacheMs` (10 s) per subgraph, and signs it for the resource asked about. The gateway holds
 * public halves only: nothing here, or anywhere in the gateway, opens a sealed claim.
 */
export function claimKeyDirectory(options: ClaimKeyDirectoryOptions): ClaimKeyDirectory {
  const { model, subgraphUrl, signer, signingKey, now, cacheMs = 10_000, timeoutMs = 5000 } = options;
  const cache = new Map<string, { url: string; until: number; key: Promise<PublicClaimKey | null> }>();

  /** GET (the current key) or, with `rotate`, POST (its replacement) of the subgraph's claim-key route. */
  async function callKeyRoute(subgraph: string, url: string, requestId: string, rotate?: { kid: string; department: string }): Promise<PublicClaimKey | null> {
    const target = new URL(CLAIM_KEY_PATH, url);
    const unreachable = () => fieldError(ErrorCode.SUBGRAPH_UNREACHABLE, `the provider's subgraph "${subgraph}" did not hand over its claim key`, { subgraph });
    const body = rotate ? JSON.stringify({ rotate: rotate.kid }) : '';
    const signature = await signer.sign(rotate ? { aud: subgraph, rid: requestId, sub: rotate.department, fld: [CLAIM_KEY_ROTATION] } : { aud: subgraph, rid: requestId }, body);
    let response: Response;
    try {
      response = await fetch(target, {
        method: rotate ? 'POST' : 'GET',
        headers: { [SIGNATURE_HEADER]: signature, ...(rotate ? { 'content-type': 'application/json' } : {}) },
        ...(rotate ? { body } : {}),
        // A redirect would carry the signature elsewhere.
        redirect: 'error', signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw unreachable();
    }
    // A subgraph without a comparison that takes sealed claims (or on another stack) has no such route.
    if (response.status === 404) { await response.body?.cancel().catch(() => {}); return null; }
    if (rotate && response.status === 400) {
      // Another rotation came first: the caller asks again, and rotates the key that is current then.
      await response.body?.cancel().catch(() => {});
      throw fieldError(ErrorCode.BAD_USER_INPUT, `the claim key of "${subgraph}" changed meanwhile: nothing rotated, ask again`, { reason: 'CLAIM_KEY_NOT_CURRENT' });
    }
    if (!response.ok) { await response.body?.cancel().catch(() => {}); throw unreachable(); }
    const answer = await response.json().catch(() => null) as { kid?: unknown; key?: unknown; suite?: unknown } | null;
    const { kid, key, suite } = answer ?? {};
    if (typeof kid !== 'string' || typeof key !== 'string' || suite !== SEALED_CLAIMS_SUITE || !KID_PATTERN.test(kid)
      || key.length !== X25519_KEY_CHARS || await claimKeyId(key).catch(() => '') !== kid) {
      throw unreachable();
    }
    return { kid, key };
  }

  function keyOf(subgraph: string, url: string, requestId: string): Promise<PublicClaimKey | null> {
    const at = Date.now();
    const cached = cache.get(subgraph);
    if (cached && cached.url === url && cached.until > at) return cached.key;
    const key = callKeyRoute(subgraph, url, requestId);
    cache.set(subgraph, { url, until: at + cacheMs, key });
    // A failure is not remembered: the next reader asks again.
    key.catch(() => { if (cache.get(subgraph)?.key === key) cache.delete(subgraph); });
    return key;
  }

  /** The resource's subgraph and its URL, when the resource compares at all. */
  function comparing(code: string): { resource: { subgraph: string; provider: string }; url: string } | null {
    const current = model();
    const resource = current.resources.get(code);
    if (!resource || !fieldsOfResource(current, code).some((f) => f.compare)) return null;
    const url = subgraphUrl(resource.subgraph);
    return url ? { resource, url } : null;
  }
  const signed = (code: string, provider: string, key: PublicClaimKey): SignedClaimKey => ({
    ...key, suite: SEALED_CLAIMS_SUITE,
    signature: signClaimKey(signingKey(), { sub: code, provider, kid: key.kid, key: key.key, suite: SEALED_CLAIMS_SUITE }, now()),
  });

  return {
    async of(code, requestId) {
      const found = comparing(code);
      if (!found) return null;
      const key = await keyOf(found.resource.subgraph, found.url, requestId);
      return key ? signed(code, found.resource.provider, key) : null;
    },
    async rotate(code, requestId, department) {
      const found = comparing(code);
      if (!found) return null;
      const { subgraph } = found.resource;
      // The key being replaced is read afresh, not from the cache: the rotation names exactly that one.
      const current = await callKeyRoute(subgraph, found.url, requestId);
      if (!current) return null;
      const next = await callKeyRoute(subgraph, found.url, requestId, { kid: current.kid, department });
      if (!next) return null;
      // Served at once by this replica; the others' caches follow within cacheMs, and the CLI asks again
      // by itself when a batch sealed to the old key is refused.
      cache.set(subgraph, { url: found.url, until: Date.now() + cacheMs, key: Promise.resolve(next) });
      return signed(code, found.resource.provider, next);
    },
  };
}
