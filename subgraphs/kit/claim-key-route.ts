import type { FastifyInstance } from 'fastify';
import { SEALED_CLAIMS_SUITE } from '../../protocol/sealed-claims/index.ts';
import type { ClaimKeyStore } from './claim-key-store.ts';

/**
 * Where the gateway reads a provider's current claim key (public half only) to publish it in the catalog,
 * signed (`Resource.claimKey`): beside `/graphql`, behind the same door, so only the gateway's signed
 * call gets an answer. Rotation shows here at once; the catalog follows within its cache time.
 */
export const CLAIM_KEY_PATH = '/claim-key';

export function claimKeyRoute(app: FastifyInstance, keys: ClaimKeyStore): void {
  app.get(CLAIM_KEY_PATH, async (_request, reply) => {
    const { stored } = await keys.current();
    reply.header('cache-control', 'no-store');
    return { kid: stored.kid, key: stored.key, suite: SEALED_CLAIMS_SUITE };
  });
}
