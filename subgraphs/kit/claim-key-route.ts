import type { FastifyInstance } from 'fastify';
import { ErrorCode, errorBody, statusOf } from '../../protocol/errors.ts';
import { CLAIM_KEY_ROTATION, KID_PATTERN, SEALED_CLAIMS_SUITE } from '../../protocol/sealed-claims/index.ts';
import type { ClaimKeyStore } from './claim-key-store.ts';

/**
 * Where the gateway reads a provider's current claim key (public half only) to publish it in the catalog,
 * signed (`Resource.claimKey`): beside `/graphql`, behind the same door, so only the gateway's signed
 * call gets an answer. Rotation shows here at once; the catalog follows within its cache time.
 *
 * `POST` rotates it (the gateway's `rotateClaimKey`, which the resource's provider or an admin calls):
 * the door has checked the signature, its body hash and its single use; this route wants a signature
 * made for a rotation alone (`fld` = [CLAIM_KEY_ROTATION], `sub` the acting department) and the body
 * `{ "rotate": <kid> }` naming the key it replaces, so a rotation sent twice rotates once.
 */
export const CLAIM_KEY_PATH = '/claim-key';

export function claimKeyRoute(app: FastifyInstance, keys: ClaimKeyStore, log: (message: string) => void = () => {}): void {
  const publicHalf = (stored: { kid: string; key: string }) => ({ kid: stored.kid, key: stored.key, suite: SEALED_CLAIMS_SUITE });
  app.get(CLAIM_KEY_PATH, async (_request, reply) => {
    const { stored } = await keys.current();
    reply.header('cache-control', 'no-store');
    return publicHalf(stored);
  });
  app.post(CLAIM_KEY_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const claims = request.gatewayClaims;
    const fields = claims?.fld;
    if (!claims || typeof claims.sub !== 'string' || claims.sub === '' || fields?.length !== 1 || fields[0] !== CLAIM_KEY_ROTATION) {
      return reply.status(statusOf(ErrorCode.FORBIDDEN)).send(errorBody(ErrorCode.FORBIDDEN, 'this signature was not made for a claim-key rotation'));
    }
    const expected = (request.body as { rotate?: unknown } | null)?.rotate;
    if (typeof expected !== 'string' || !KID_PATTERN.test(expected)) {
      return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send(errorBody(ErrorCode.BAD_USER_INPUT, 'the body must be { "rotate": <the current claim key id> }'));
    }
    const next = await keys.rotate(expected);
    if (!next) {
      return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send(errorBody(ErrorCode.BAD_USER_INPUT,
        `claim key ${expected} is not the current one: nothing rotated`, { reason: 'CLAIM_KEY_NOT_CURRENT' }));
    }
    log(`claim key ${expected} replaced by ${next.kid} for ${claims.sub} (request ${claims.rid})`);
    return publicHalf(next);
  });
}
