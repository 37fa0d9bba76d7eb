import { randomBytes } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * The kit's own records in the provider's database: comparison counts (CONTRACT §5, §9), unknown-key
 * lookups per consumer and day, and the provider-held key that digests claimed values.
 *
 * They live in a schema of their own, `<dbSchema>_govshare`, beside the provider's: re-seeding a
 * sample register drops and rebuilds the provider's schema, and must not reset a consumer's
 * allowance or forget the key that makes the stored digests comparable.
 */
export function recordsSchema(dbSchema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(dbSchema)) throw new Error(`invalid schema name ${dbSchema}`);
  return `${dbSchema}_govshare`;
}

/** Statements may run on several replicas at once: one advisory lock per records schema serialises the DDL. */
function lockId(schema: string): number {
  let h = 0;
  for (const c of schema) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

/**
 * Creates the records schema, idempotently. One script, so one implicit transaction: the advisory
 * lock it takes is released with it, also when a statement fails.
 *
 * `govshare_compare_claims` holds, per (consumer, subject), the digests of the values answered and the
 * day each was last claimed; `govshare_admit` merges a batch into such a row (see claim-limits.ts).
 * Rows whose every value has left the window are deleted here, at start: they allow nothing any more.
 */
export async function ensureRecords(sql: Sql, dbSchema: string, horizonDays: number): Promise<string> {
  const s = recordsSchema(dbSchema);
  await sql.exec(`SELECT pg_advisory_xact_lock(${lockId(s)});
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.govshare_secret (
      name       text PRIMARY KEY,
      value      text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS ${s}.govshare_compare_claims (
      consumer text     NOT NULL,
      subject  bigint   NOT NULL,
      attrs    text[]   NOT NULL,
      digests  bigint[] NOT NULL,
      seen     date[]   NOT NULL,
      -- The latest of seen: rows past the window are found by index, not by reading every array.
      last_seen date    NOT NULL,
      PRIMARY KEY (consumer, subject)
    );
    CREATE INDEX IF NOT EXISTS govshare_compare_claims_last_seen ON ${s}.govshare_compare_claims (last_seen);
    CREATE TABLE IF NOT EXISTS ${s}.govshare_lookup_misses (
      consumer text   NOT NULL,
      day      date   NOT NULL,
      misses   bigint NOT NULL,
      PRIMARY KEY (consumer, day)
    );
    CREATE OR REPLACE FUNCTION ${s}.govshare_admit(
      old_attrs text[], old_digests bigint[], old_seen date[], new_attrs text[], new_digests bigint[],
      today date, horizon date, most int,
      OUT attrs text[], OUT digests bigint[], OUT seen date[])
    LANGUAGE plpgsql IMMUTABLE AS $fn$
    DECLARE taken int;
    BEGIN
      attrs := '{}'; digests := '{}'; seen := '{}';
      -- What is still within its window keeps its place; what this batch claims again is dated today.
      FOR i IN 1 .. coalesce(cardinality(old_digests), 0) LOOP
        IF old_seen[i] >= horizon THEN
          attrs := attrs || old_attrs[i];
          digests := digests || old_digests[i];
          seen := seen || CASE WHEN old_digests[i] = ANY(new_digests) THEN today ELSE old_seen[i] END;
        END IF;
      END LOOP;
      -- New values, in claim order, while their field has room.
      FOR i IN 1 .. coalesce(cardinality(new_digests), 0) LOOP
        IF NOT (new_digests[i] = ANY(digests)) THEN
          taken := 0;
          FOR j IN 1 .. cardinality(attrs) LOOP
            IF attrs[j] = new_attrs[i] THEN taken := taken + 1; END IF;
          END LOOP;
          IF taken < most THEN
            attrs := attrs || new_attrs[i];
            digests := digests || new_digests[i];
            seen := seen || today;
          END IF;
        END IF;
      END LOOP;
    END $fn$;`);
  await sql.query(`DELETE FROM ${s}.govshare_compare_claims WHERE last_seen < current_date - $1::int`, [horizonDays]);
  return s;
}

/**
 * The provider-held key of the claim digests: generated on first start and kept in the records schema,
 * so every replica on the same database digests alike. No default exists in the source.
 */
export async function claimDigestKey(sql: Sql, schema: string): Promise<Buffer> {
  await sql.query(`INSERT INTO ${schema}.govshare_secret (name, value) VALUES ('claim-digest', $1) ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64')]);
  const rows = await sql.query<{ value: string }>(`SELECT value FROM ${schema}.govshare_secret WHERE name = 'claim-digest'`);
  const key = Buffer.from(rows[0]?.value ?? '', 'base64');
  if (key.length < 32) throw new Error(`${schema}.govshare_secret holds no usable claim-digest key`);
  return key;
}
