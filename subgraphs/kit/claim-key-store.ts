import { generateClaimKey, importPrivateKey, type StoredClaimKey } from '../../protocol/sealed-claims/index.ts';
import type { SuiteKey } from '../../protocol/sealed-claims/suite.ts';
import type { Sql } from './sql.ts';

/** The current claim key with its private half imported, as the compare guard opens batches with it. */
export interface CurrentClaimKey {
  stored: StoredClaimKey;
  privateKey: SuiteKey;
}

/**
 * The provider's claim key (sealed claims, protocol/sealed-claims/): an X25519 key pair generated on first
 * start and kept in the provider's own records schema (`govshare_secret`, row `claim-key`), so every
 * replica on the same database opens alike and the private half never leaves the provider's database.
 *
 * One key is current at a time. `rotate` replaces it in one statement: from then on batches sealed to the
 * old key are refused (CLAIM_KEY_NOT_CURRENT) on every replica, since each batch reads the current key
 * (one query), and with the old private half gone, ciphertexts recorded earlier can no longer be opened
 * by anyone.
 */
export interface ClaimKeyStore {
  /** The current key, generated if there is none yet. */
  current(): Promise<CurrentClaimKey>;
  /**
   * A new key in place of the current one; returns it. With `expectedKid`, only while that key is the
   * current one (else `null`, nothing changed): two rotations sent at once, or one sent twice, rotate once.
   */
  rotate(expectedKid?: string): Promise<StoredClaimKey | null>;
}

const ROW = 'claim-key';

export function claimKeyStore(sql: Sql, schema: string, now: () => Date = () => new Date()): ClaimKeyStore {
  // The stored text → the key imported from it: each batch reads the row, parsing and importing only when it changed.
  let cached: { text: string; key: Promise<CurrentClaimKey> } | null = null;
  const parse = (text: string): Promise<CurrentClaimKey> => {
    if (cached?.text === text) return cached.key;
    const stored = JSON.parse(text) as StoredClaimKey;
    const key = importPrivateKey(stored).then((privateKey) => ({ stored, privateKey }));
    cached = { text, key };
    return key;
  };
  const read = async () => (await sql.query<{ value: string }>(`SELECT value FROM ${schema}.govshare_secret WHERE name = $1`, [ROW]))[0]?.value;
  return {
    async current() {
      let text = await read();
      if (text === undefined) {
        await sql.query(`INSERT INTO ${schema}.govshare_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
          [ROW, JSON.stringify(await generateClaimKey(now()))]);
        // Another replica may have inserted first: its key is the one.
        text = await read();
        if (text === undefined) throw new Error(`${schema}.govshare_secret holds no claim key`);
      }
      return parse(text);
    },
    async rotate(expectedKid) {
      const next = await generateClaimKey(now());
      if (expectedKid === undefined) {
        await sql.query(`INSERT INTO ${schema}.govshare_secret (name, value) VALUES ($1, $2)
          ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = now()`, [ROW, JSON.stringify(next)]);
        return next;
      }
      const changed = await sql.query(`UPDATE ${schema}.govshare_secret SET value = $2, created_at = now()
        WHERE name = $1 AND (value::jsonb)->>'kid' = $3 RETURNING name`, [ROW, JSON.stringify(next), expectedKid]);
      return changed.length === 1 ? next : null;
    },
  };
}
