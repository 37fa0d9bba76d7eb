/**
 * `npm run verify-archive -- <YYYY-MM.json> [--jwks file-or-url]`: checks one archived month of the audit
 * log offline — the manifest's signature under the gateway's published keys, the SHA-256 of the
 * `YYYY-MM.jsonl.gz` beside it, and the hash chain inside it from the manifest's firstPrevHash to its
 * lastHash. Keys: `--jwks` (a JWKS file, or a URL), else `GOVSHARE_GATEWAY_JWKS_URL`, else the local
 * gateway's http://127.0.0.1:4000/.well-known/jwks.json. Exit 0 when all hold, 1 naming what failed, 2 on
 * a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { assertPublicKeySet } from '../protocol/gateway-signature.ts';
import { verifyArchive } from '../gateway/records/audit-archive-verify.ts';

const { values, positionals } = parseArgs({ options: { jwks: { type: 'string' } }, allowPositionals: true });
const usage = 'usage: npm run verify-archive -- <YYYY-MM.json> [--jwks file-or-url]';
if (positionals.length !== 1) {
  console.error(usage);
  process.exit(2);
}

const where = values.jwks ?? process.env.GOVSHARE_GATEWAY_JWKS_URL ?? 'http://127.0.0.1:4000/.well-known/jwks.json';
let jwks: JSONWebKeySet;
try {
  jwks = assertPublicKeySet(await readKeySet(where), `the key set ${where}`);
} catch (error) {
  console.error(`cannot read the gateway's keys from ${where}: ${(error as Error).message}`);
  process.exit(2);
}

const verdict = await verifyArchive(positionals[0]!, jwks);
const m = verdict.manifest;
if (verdict.ok && m) {
  console.log(`ok: the audit archive of ${m.month} holds records ${m.firstSeq}–${m.lastSeq} (${m.count}) exactly as the gateway signed them `
    + `(key ${verdict.kid}, ${m.at}): an unbroken chain from ${m.firstPrevHash.slice(0, 12)}… to ${m.lastHash.slice(0, 12)}…`);
} else {
  console.error(`FAILED: ${positionals[0]}`);
  for (const problem of verdict.problems) console.error(`  - ${problem}`);
  process.exitCode = 1;
}

async function readKeySet(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }
  return JSON.parse(readFileSync(source, 'utf8'));
}
