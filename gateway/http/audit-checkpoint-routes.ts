import type { FastifyPluginAsync } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { ErrorCode, statusOf } from '../../protocol/errors.ts';
import { JWKS_PATH } from '../keys/jwks.ts';
import { InvalidAuditCursorError, StoreUnavailableError } from '../state/types.ts';
import type { AuditCheckpointStore } from '../state/audit-checkpoints.ts';
import { pageUpperBound } from '../state/audit-query.ts';

export const CHECKPOINTS_PATH = '/audit/checkpoints';
export const AUDIT_KEYS_PATH = '/audit/keys';

export interface AuditCheckpointRoutesOptions {
  /** The audit log's checkpoints; null until the records are open. */
  checkpoints: () => AuditCheckpointStore | null;
  /** The key history without the keys whose MAC does not hold (AuditKeyMac.trusted). */
  trustedKeys: (history: JSONWebKeySet) => JSONWebKeySet;
}

/**
 * `GET /audit/checkpoints?first=&after=`: the signed checkpoints, newest first, with no token (CONTRACT §10),
 * so that other parties can keep copies — a rewritten log no longer matches a copy someone holds. They
 * carry hashes and signatures only: nothing about who asked for what. `nextCursor` is the `after` of the
 * next page; `jwks` is where the gateway's keys are now, `keys` the audit's key history that verifies every
 * checkpoint also after a rotation (GET /audit/keys).
 */
export const auditCheckpointRoutes: FastifyPluginAsync<AuditCheckpointRoutesOptions> = async (app, { checkpoints, trustedKeys }) => {
  app.get(CHECKPOINTS_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const first = query.first === undefined ? 20 : Number(query.first);
    if (typeof query.first === 'object' || !Number.isInteger(first) || first < 1 || first > 500) {
      return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send({ error: 'first must be a whole number between 1 and 500', code: ErrorCode.BAD_USER_INPUT });
    }
    let before: number | null;
    try {
      if (query.after !== undefined && typeof query.after !== 'string') throw new InvalidAuditCursorError('after must be given once');
      const bound = pageUpperBound(query.after as string | undefined);
      before = bound === Infinity ? null : bound;
    } catch (error) {
      return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send({ error: (error as Error).message, code: ErrorCode.BAD_USER_INPUT });
    }
    const store = checkpoints();
    if (!store) return reply.status(statusOf(ErrorCode.AUDIT_UNAVAILABLE)).header('retry-after', '1').send({ error: 'the audit log is not open yet', code: ErrorCode.AUDIT_UNAVAILABLE });
    try {
      const page = await store.page(first + 1, before);
      const shown = page.slice(0, first);
      reply.header('cache-control', 'no-cache');
      return { checkpoints: shown, nextCursor: page.length > first ? String(shown.at(-1)!.sequence) : null, jwks: JWKS_PATH, keys: AUDIT_KEYS_PATH };
    } catch (error) {
      if (error instanceof StoreUnavailableError) return reply.status(statusOf(ErrorCode.AUDIT_UNAVAILABLE)).send({ error: 'the audit log cannot be read right now', code: ErrorCode.AUDIT_UNAVAILABLE });
      throw error;
    }
  });

  /**
   * `GET /audit/keys`: every public key that ever signed a checkpoint or an archive manifest, as a JWKS with
   * `first_used` / `last_used` (no token). Unlike /.well-known/jwks.json, a key stays here after a rotation:
   * what it signed in the audit must stay checkable. Auditors keep copies of it as they keep checkpoints.
   */
  app.get(AUDIT_KEYS_PATH, async (_request, reply) => {
    const store = checkpoints();
    if (!store) return reply.status(statusOf(ErrorCode.AUDIT_UNAVAILABLE)).header('retry-after', '1').send({ error: 'the audit log is not open yet', code: ErrorCode.AUDIT_UNAVAILABLE });
    try {
      // Only keys whose row's MAC holds: a key entered by someone with the database alone is not offered.
      const keys = trustedKeys(await store.keys());
      reply.header('cache-control', 'no-cache');
      return keys;
    } catch (error) {
      if (error instanceof StoreUnavailableError) return reply.status(statusOf(ErrorCode.AUDIT_UNAVAILABLE)).send({ error: 'the audit log cannot be read right now', code: ErrorCode.AUDIT_UNAVAILABLE });
      throw error;
    }
  });
};
