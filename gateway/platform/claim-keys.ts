import { SIGNATURE_HEADER, type RequestSigner, type SigningKey } from '../../protocol/gateway-signature.ts';
import { ErrorCode, fieldError } from '../../protocol/errors.ts';
import {
  KID_PATTERN, SEALED_CLAIMS_SUITE, X25519_KEY_CHARS, claimKeyId, type PublicClaimKey, type SignedClaimKey,
} from '../../protocol/sealed-claims/index.ts';
import { fieldsOfResource, type PolicyModel } from '../../schema/policy-model.ts';
import { signClaimKey } from './claim-key-signature.ts';

/** `Resource.claimKey`: the provider's current claim key, signed by the gateway; null where the resource takes no sealed claims. */
export interface ClaimKeyDirectory {
  of(resource: string, requestId: string): Promise<SignedClaimKey | null>;
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

  async function fetchKey(subgraph: string, url: string, requestId: string): Promise<PublicClaimKey | null> {
    const target = new URL(CLAIM_KEY_PATH, url);
    const unreachable = () => fieldError(ErrorCode.SUBGRAPH_UNREACHABLE, `the provider's subgraph "${subgraph}" did not hand over its claim key`, { subgraph });
    let response: Response;
    try {
      response = await fetch(target, {
        headers: { [SIGNATURE_HEADER]: await signer.sign({ aud: subgraph, rid: requestId }, '') },
        // A redirect would carry the signature elsewhere.
        redirect: 'error', signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw unreachable();
    }
    // A subgraph without a comparison that takes sealed claims (or on another stack) has no such route.
    if (response.status === 404) { await response.body?.cancel().catch(() => {}); return null; }
    if (!response.ok) { await response.body?.cancel().catch(() => {}); throw unreachable(); }
    const body = await response.json().catch(() => null) as { kid?: unknown; key?: unknown; suite?: unknown } | null;
    const { kid, key, suite } = body ?? {};
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
    const key = fetchKey(subgraph, url, requestId);
    cache.set(subgraph, { url, until: at + cacheMs, key });
    // A failure is not remembered: the next reader asks again.
    key.catch(() => { if (cache.get(subgraph)?.key === key) cache.delete(subgraph); });
    return key;
  }

  return {
    async of(code, requestId) {
      const current = model();
      const resource = current.resources.get(code);
      if (!resource || !fieldsOfResource(current, code).some((f) => f.compare)) return null;
      const url = subgraphUrl(resource.subgraph);
      if (!url) return null;
      const key = await keyOf(resource.subgraph, url, requestId);
      if (!key) return null;
      const signature = signClaimKey(signingKey(), { sub: code, provider: resource.provider, kid: key.kid, key: key.key, suite: SEALED_CLAIMS_SUITE }, now());
      return { ...key, suite: SEALED_CLAIMS_SUITE, signature };
    },
  };
}
