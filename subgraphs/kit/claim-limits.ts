import { createHmac, createSecretKey, hash } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * A comparison is no oracle (CONTRACT §5 v1.1): for each (consumer, subject, claimed field) the
 * provider answers at most `CLAIM_LIMIT` distinct claimed values within `CLAIM_WINDOW_DAYS`.
 *
 * - A value claimed again costs nothing: it is the same value (after the comparison's own
 *   normalisation, see compare-guard.ts) and is answered again.
 * - Within one batch, values count in claim order: the same subject claimed with five different names
 *   gets the first three answered and the other two withheld.
 * - A value keeps its place for 30 days after it was last claimed. To keep repeated comparisons
 *   read-only, a value claimed again is re-dated at most once every `CLAIM_REDATE_DAYS`; its place
 *   therefore lasts between 30 and 36 days after its last claim, never less than 30.
 * - The records hold no claimed value in clear: a subject is the first 64 bits of HMAC-SHA-256 under a
 *   key the provider generated (records.ts) over `subject\0<key>`; the other 192 bits of that HMAC are
 *   the subject's value key, never stored, and a value is the first 64 bits of SHA-256 over
 *   `<value key, hex>\0<field>\0<value>`. A value digest is thus keyed and bound to its subject and
 *   field (equal values of different subjects cannot be told apart in the table), and costs one
 *   one-shot hash (~0.7 µs) instead of an HMAC object (~2.4 µs): three to six values a claim, the HMACs
 *   were a fifth of the provider's CPU in a comparison. The secret prefix is 192 bits of a PRF's output
 *   and the digest is truncated, so length extension has nothing to extend. Rows written before this
 *   scheme (every value an HMAC of its own) keep their digests until they age out: an old digest never
 *   matches a new one, so it only occupies a place, and the limit errs on the side of answering less.
 * - One SQL statement per batch, whatever its size; a second one only for subjects another request
 *   created at the same moment (what it cannot settle then is withheld: the limit fails closed).
 * - The statement finds a batch's rows by primary key whatever the table's statistics say: the lookup is
 *   a fenced LATERAL (one index probe per subject), and the update goes to the row ids it found (a TID
 *   scan). With plain joins, a table that had grown by 200,000 rows since its last ANALYZE was read whole
 *   for each batch (a hash join, then JIT on the inflated estimate): 150–250 ms per 1,000 claims instead
 *   of 10–30. The update needs no consumer condition: those row ids were read, in this statement, from
 *   the consumer's rows, and the rows cannot be vacuumed away under its snapshot. A row another request
 *   updated meanwhile has a new row id, so it is left alone here and settled by the retry round.
 */
export const CLAIM_LIMIT = 3;
export const CLAIM_WINDOW_DAYS = 30;
export const CLAIM_REDATE_DAYS = 7;
/** Days after its last recorded claim that a value still holds its place. */
export const CLAIM_HORIZON_DAYS = CLAIM_WINDOW_DAYS + CLAIM_REDATE_DAYS - 1;

/** One value a claim states about a subject. */
export interface ClaimedValue {
  /** The subject's key as the comparison normalises it. */
  subject: string;
  /** The register field compared with, e.g. `Person.name`: the allowance is per field. */
  attribute: string;
  /** The normalised claimed value. */
  value: string;
}

export interface ClaimLimiter {
  /** Whether each value may be answered (`true`) or must be withheld (`false`), in input order. */
  admit(consumer: string, claims: readonly ClaimedValue[]): Promise<boolean[]>;
}

interface Subject { digest: string; valueKey: string; values: Map<string, string> }

/**
 * Merges a batch into the consumer's rows and answers what is withheld. Rows whose every claimed value
 * is already answered and recently dated are only read; rows that change are updated under their row
 * lock (`govshare_admit` sees the latest version), so concurrent requests never answer more than the
 * limit between them; new rows take the first values of each field, and a row another request inserted
 * first is reported for a retry.
 *
 * Parameters: $1 consumer, $2 subject digests, $3 each subject's value digests (comma-joined, claim
 * order, each field's first `most` values first), $4 their fields (likewise), $5 how many come first,
 * $6 the limit, $7 the oldest day still within the window, counted back from today, $8 the re-dating period.
 */
function admitStatement(schema: string): string {
  const table = `${schema}.govshare_compare_claims`;
  return `WITH claimed AS (
  SELECT s.n, s.subject, string_to_array(s.digests, ',')::bigint[] AS digests, string_to_array(s.attrs, ',') AS attrs, s.firsts
    FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS s(subject, digests, attrs, firsts, n)
), present AS (
  SELECT c.*, t.subject IS NOT NULL AS known, t.tid,
         t.subject IS NOT NULL AND NOT (c.digests <@ ARRAY(
           SELECT e.d FROM unnest(t.digests, t.seen) AS e(d, s) WHERE e.s > current_date - $8::int)) AS stale
    FROM claimed AS c LEFT JOIN LATERAL (
      SELECT r.ctid AS tid, r.subject, r.digests, r.seen FROM ${table} AS r WHERE r.consumer = $1 AND r.subject = c.subject OFFSET 0) AS t ON true
), updated AS (
  UPDATE ${table} AS t SET (attrs, digests, seen, last_seen) = (
      SELECT m.attrs, m.digests, m.seen, coalesce((SELECT max(d) FROM unnest(m.seen) AS d), current_date)
        FROM ${schema}.govshare_admit(t.attrs, t.digests, t.seen, p.attrs, p.digests, current_date, current_date - $7::int, $6::int) AS m)
    FROM present AS p
   WHERE p.stale AND t.ctid = ANY(ARRAY(SELECT tid FROM present WHERE stale)) AND t.ctid = p.tid AND t.subject = p.subject
  RETURNING t.subject, t.digests
), inserted AS (
  INSERT INTO ${table} (consumer, subject, attrs, digests, seen, last_seen)
  SELECT $1, subject, attrs[1:firsts], digests[1:firsts], array_fill(current_date, ARRAY[firsts]), current_date FROM present WHERE NOT known
  ON CONFLICT (consumer, subject) DO NOTHING
  RETURNING subject
)
SELECT p.n::int AS n, u.subject IS NULL AS retry,
       ARRAY(SELECT d FROM unnest(p.digests) AS d WHERE NOT (d = ANY(u.digests)))::text[] AS withheld
  FROM present AS p LEFT JOIN updated AS u ON u.subject = p.subject
 WHERE p.stale AND (u.subject IS NULL OR NOT (p.digests <@ u.digests))
UNION ALL
SELECT p.n::int, i.subject IS NULL, (p.digests[p.firsts + 1:])::text[]
  FROM present AS p LEFT JOIN inserted AS i ON i.subject = p.subject
 WHERE NOT p.known AND (i.subject IS NULL OR cardinality(p.digests) > p.firsts)`;
}

/** The claim limiter of one subgraph: `schema` is its records schema, `key` its digest key. */
export function claimLimiter(sql: Sql, schema: string, key: Buffer): ClaimLimiter {
  const statement = admitStatement(schema);
  // A KeyObject, made once: on Node 24 an HMAC keyed with a Buffer costs ~9 µs more per claim than one
  // keyed with a KeyObject (180 vs 25 ms for 20,000), which made its comparisons in clear twice as slow.
  const hmacKey = createSecretKey(key);
  // A PostgreSQL bigint (signed decimal) from the first 64 bits of a digest.
  const subjectOf = (key: string): { digest: string; valueKey: string } => {
    const mac = createHmac('sha256', hmacKey).update(`subject\u0000${key}`).digest();
    return { digest: mac.readBigInt64BE(0).toString(), valueKey: mac.toString('hex', 8) };
  };
  const valueDigest = (valueKey: string, attribute: string, value: string) =>
    BigInt.asIntN(64, BigInt(`0x${hash('sha256', `${valueKey}\u0000${attribute}\u0000${value}`).slice(0, 16)}`)).toString();

  async function round(consumer: string, subjects: readonly Subject[]): Promise<{ withheld: Map<string, Set<string>>; retry: Subject[] }> {
    const digests: string[] = [];
    const attrs: string[] = [];
    const firsts: number[] = [];
    for (const s of subjects) {
      let ordered = [...s.values];
      let first = ordered.length;
      if (ordered.length > CLAIM_LIMIT) {
        // Each field's first CLAIM_LIMIT values come first: a new row takes exactly those.
        const perField = new Map<string, number>();
        const head: Array<[string, string]> = [];
        const rest: Array<[string, string]> = [];
        for (const entry of ordered) {
          const seen = perField.get(entry[1]) ?? 0;
          perField.set(entry[1], seen + 1);
          (seen < CLAIM_LIMIT ? head : rest).push(entry);
        }
        ordered = [...head, ...rest];
        first = head.length;
      }
      digests.push(ordered.map(([d]) => d).join(','));
      attrs.push(ordered.map(([, a]) => a).join(','));
      firsts.push(first);
    }
    const rows = await sql.query<{ n: number; retry: boolean; withheld: string[] | null }>(statement, [
      consumer, subjects.map((s) => s.digest), digests, attrs, firsts, CLAIM_LIMIT, CLAIM_HORIZON_DAYS, CLAIM_REDATE_DAYS,
    ]);
    const withheld = new Map<string, Set<string>>();
    const retry: Subject[] = [];
    for (const row of rows) {
      const s = subjects[Number(row.n) - 1]!;
      if (row.retry) retry.push(s);
      else if (row.withheld?.length) withheld.set(s.digest, new Set(row.withheld));
    }
    return { withheld, retry };
  }

  return {
    async admit(consumer, claims) {
      if (claims.length === 0) return [];
      const subjects = new Map<string, Subject>();
      const refs: Array<[Subject, string]> = [];
      for (const claim of claims) {
        let s = subjects.get(claim.subject);
        if (!s) {
          s = { ...subjectOf(claim.subject), values: new Map() };
          subjects.set(claim.subject, s);
        }
        const value = valueDigest(s.valueKey, claim.attribute, claim.value);
        if (!s.values.has(value)) s.values.set(value, claim.attribute);
        refs.push([s, value]);
      }
      const first = await round(consumer, [...subjects.values()]);
      const withheld = first.withheld;
      if (first.retry.length > 0) {
        const second = await round(consumer, first.retry);
        for (const [subject, values] of second.withheld) withheld.set(subject, values);
        // Still contended: withhold rather than answer past the limit.
        for (const s of second.retry) withheld.set(s.digest, new Set(s.values.keys()));
      }
      if (withheld.size === 0) return refs.map(() => true);
      return refs.map(([s, d]) => !withheld.get(s.digest)?.has(d));
    },
  };
}
