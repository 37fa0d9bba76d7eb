/**
 * `npm run verify-evidence -- <evidence.json> [--jwks <file-or-url>] [--checkpoints <file.json>]`: checks an
 * audit evidence document (`exportAuditEvidence`, CONTRACT §10) offline and says what it proves.
 *
 * Written apart from the gateway's code on purpose — an auditor's check should not share the code of what
 * it checks: the canonical JSON is the `canonicalize` package (RFC 8785, JCS), the signature is checked with
 * jose against the audit's key history, `GET /audit/keys` (a copy kept as a file for offline use, or a URL;
 * default GOVSHARE_AUDIT_KEYS_URL, else http://127.0.0.1:4000/audit/keys) — not /.well-known/jwks.json, which
 * drops a key shortly after a rotation while the checkpoints it signed stay. With `--checkpoints`, a copy
 * of `GET /audit/checkpoints` the auditor kept, the evidence's checkpoint must be one of them with the same
 * head hash: a log rewritten and signed again later no longer matches what someone held before.
 *
 * The evidence file is the `exportAuditEvidence` object, or the whole GraphQL response holding it; each
 * record needs every field of AuditRecord (the hash covers them all). A record the exporting department may
 * not read comes redacted (`redacted: true`): its links and content digest, from which its hash follows
 * (format 2); such a record proves its place in the chain, and nothing about its content. Exit 0 when everything holds, 1 when
 * anything does not (each failure named), 2 for a wrong command line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import canonicalize from 'canonicalize';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';

const CHECKPOINT_TYPE = 'audit-checkpoint+jwt';
const ALGORITHMS = ['EdDSA', 'ES256'];
const PAYLOAD_KEYS = ['sequence', 'recordId', 'headHash', 'at'] as const;
/** Every member a stored record has; its hash covers exactly these (and `hash` itself is left out). */
const RECORD_KEYS = ['at', 'consumer', 'decision', 'detail', 'durationMs', 'errorCode', 'fields', 'id', 'inputDigest', 'kind',
  'maskedFields', 'operationHash', 'operationName', 'operator', 'prevHash', 'providers', 'purpose', 'requestId', 'resources', 'seq'];
/**
 * The record's commitment to its rows in the subject index. Records written before it existed have none:
 * the API answers null for them, and a null (or an evidence file exported without the field) is left out.
 */
const OPTIONAL_KEYS = ['subjectsDigest', 'format'];
/** What the API derives for the export and no stored record holds: never hashed. */
const EXPORT_KEYS = ['contentDigest', 'redacted'];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Json = Record<string, unknown>;
interface Checkpoint { sequence: number; recordId: string; headHash: string; at: string; signature: string }

const usage = 'usage: npm run verify-evidence -- <evidence.json> [--jwks <file-or-url>] [--checkpoints <checkpoints.json>]';
let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { jwks: { type: 'string' }, checkpoints: { type: 'string' } } });
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (positionals.length !== 1) {
  console.error(usage);
  process.exit(2);
}

const failures: string[] = [];
const fail = (message: string) => { failures.push(message); };
const finish = (): never => {
  console.error(`verify-evidence: FAILED — the evidence in ${positionals[0]} does not prove what it claims:`);
  for (const failure of failures) console.error(`  - ${failure}`);
  process.exit(1);
};

const evidence = readEvidence(positionals[0]!);
if (!evidence) finish();
const { record, chain, checkpoint } = evidence!;

// 1. The chain: starts at the record, each link on the previous hash, seqs consecutive, each hash recomputed.
if (canonicalize(chain[0]) !== canonicalize(record)) fail(`the chain does not start with the record (record ${String(record.id)}, chain starts at ${String(chain[0]!.id)})`);
chain.forEach((link, i) => {
  const name = `record ${String(link.id)}`;
  if (typeof link.seq !== 'number' || link.id !== String(link.seq)) fail(`${name}: its id is not its seq (${String(link.seq)})`);
  if (link.redacted === true) {
    if (i === 0) fail(`${name} is the record the evidence is for, and it is redacted`);
    const digest = link.contentDigest;
    if (link.format !== 2 || typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) fail(`${name} is redacted without a format-2 content digest`);
    else if (sha256(`${String(link.prevHash)}\n${digest}`) !== link.hash) fail(`${name} (redacted): its hash does not follow from its prevHash and content digest`);
  } else {
    const missing = RECORD_KEYS.filter((key) => !(key in link));
    if (missing.length) fail(`${name} lacks ${missing.join(', ')}: export every field of AuditRecord`);
    const extra = Object.keys(link).filter((key) => key !== 'hash' && !RECORD_KEYS.includes(key) && !OPTIONAL_KEYS.includes(key) && !EXPORT_KEYS.includes(key));
    if (extra.length) fail(`${name} has members a stored record does not have (${extra.join(', ')}): export the AuditRecord fields only`);
    const { hash, ...content } = link;
    for (const key of EXPORT_KEYS) delete content[key];
    for (const key of OPTIONAL_KEYS) if (content[key] === null) delete content[key];
    let recomputed: string | null = null;
    if (content.format === undefined) {
      recomputed = sha256(`${String(link.prevHash)}\n${canonicalize(content)}`);
    } else if (content.format === 2) {
      const { prevHash, ...rest } = content;
      const digest = sha256(canonicalize(rest)!);
      if (link.contentDigest != null && link.contentDigest !== digest) fail(`${name}: its contentDigest is not the digest of its content`);
      recomputed = sha256(`${String(prevHash)}\n${digest}`);
    } else {
      fail(`${name} has a record format this check does not know (${JSON.stringify(content.format)})`);
    }
    if (recomputed !== null && recomputed !== hash) {
      fail(`${name}: its hash does not match its content (a field was changed after it was written${'subjectsDigest' in link ? '' : ', or subjectsDigest was not exported'})`);
    }
  }
  if (i > 0) {
    const previous = chain[i - 1]!;
    if (link.seq !== (previous.seq as number) + 1) fail(`${name} follows record ${String(previous.id)}: the seqs are not consecutive (a record is missing)`);
    if (link.prevHash !== previous.hash) fail(`${name}: its prevHash is not the hash of record ${String(previous.id)} (the chain is broken there)`);
  }
});

// 2. The chain ends where the checkpoint says, with the hash it signed.
const last = chain.at(-1)!;
if (last.id !== checkpoint.recordId) fail(`the chain ends at record ${String(last.id)}, the checkpoint names record ${checkpoint.recordId}`);
if (last.hash !== checkpoint.headHash) fail(`the last record's hash ${String(last.hash)} is not the checkpoint's headHash ${checkpoint.headHash}`);

// 3. The checkpoint's signature, under the gateway's published keys.
const jwksSource = values.jwks ?? process.env.GOVSHARE_AUDIT_KEYS_URL ?? 'http://127.0.0.1:4000/audit/keys';
let kid = '?';
try {
  kid = String(decodeProtectedHeader(checkpoint.signature).kid ?? '?');
  const { payload } = await jwtVerify(checkpoint.signature, keySet(jwksSource), { algorithms: ALGORITHMS, typ: CHECKPOINT_TYPE });
  const keys = Object.keys(payload);
  if (keys.length !== PAYLOAD_KEYS.length || PAYLOAD_KEYS.some((key) => payload[key] !== checkpoint[key])) {
    fail(`checkpoint ${checkpoint.sequence}: the signature is valid but signs other values (${JSON.stringify(payload)})`);
  }
} catch (error) {
  fail(`checkpoint ${checkpoint.sequence}: the signature does not verify under the keys of ${jwksSource} (${(error as Error).message})`);
}

// 4. Optionally, the checkpoint as someone else held it.
if (values.checkpoints) {
  const held = readHeldCheckpoints(values.checkpoints);
  const same = held?.find((c) => c.sequence === checkpoint.sequence);
  if (held && !same) fail(`checkpoint ${checkpoint.sequence} is not among the ${held.length} held in ${values.checkpoints} (a newer copy may have it)`);
  if (same && (same.headHash !== checkpoint.headHash || same.recordId !== checkpoint.recordId)) {
    fail(`checkpoint ${checkpoint.sequence} does not match the held copy in ${values.checkpoints}: held record ${same.recordId} with ${same.headHash}, `
      + `the evidence has record ${checkpoint.recordId} with ${checkpoint.headHash} (the log was rewritten and signed again)`);
  }
}

if (failures.length) finish();
console.log(sentence(record, checkpoint, kid));

function sentence(r: Json, c: Checkpoint, keyId: string): string {
  const who = `${String(r.consumer)}${r.operator ? ` (officer ${String(r.operator)})` : ''}`;
  const fields = (r.fields as string[]).join(', ') || 'no fields';
  const resources = (r.resources as string[]).length ? ` of ${(r.resources as string[]).join(', ')}` : '';
  const what = r.kind === 'PLATFORM'
    ? `did ${String(r.operationName)}${r.detail ? ` (${String(r.detail)})` : ''}`
    : `${r.decision === 'ALLOWED' ? 'read' : 'was refused'} ${fields}${resources}`;
  const purpose = r.purpose ? `for the purpose "${String(r.purpose)}"` : 'with no purpose stated';
  return `Proven: audit record ${String(r.id)} says that ${who} ${what} ${purpose} at ${String(r.at)}, `
    + `and the audit log up to record ${c.recordId} is exactly as the gateway signed it in checkpoint ${c.sequence} at ${c.at} (key ${keyId}).`;
}

function keySet(source: string): JWTVerifyGetKey {
  if (/^https?:\/\//.test(source)) return createRemoteJWKSet(new URL(source));
  return createLocalJWKSet(JSON.parse(readFileSync(source, 'utf8')));
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(`cannot read ${path} as JSON: ${(error as Error).message}`);
    return null;
  }
}

function readEvidence(path: string): { record: Json; chain: Json[]; checkpoint: Checkpoint } | null {
  let document = readJson(path) as Json | null;
  if (!document) return null;
  const data = document.data as Json | undefined;
  document = (data?.exportAuditEvidence ?? document.exportAuditEvidence ?? document) as Json;
  const { record, chain, checkpoint } = document as { record?: Json; chain?: Json[]; checkpoint?: Checkpoint };
  if (!record || typeof record !== 'object') fail('no record in the evidence');
  if (!Array.isArray(chain) || chain.length === 0 || chain.some((r) => !r || typeof r !== 'object')) fail('no chain of records in the evidence');
  const c = checkpoint as Partial<Checkpoint> | undefined;
  if (!c || typeof c.sequence !== 'number' || typeof c.recordId !== 'string' || typeof c.headHash !== 'string'
    || typeof c.at !== 'string' || typeof c.signature !== 'string') fail('no checkpoint { sequence, recordId, headHash, at, signature } in the evidence');
  return failures.length ? null : { record: record!, chain: chain!, checkpoint: checkpoint! };
}

/** A copy of `GET /audit/checkpoints` (one page or several, or just the list). */
function readHeldCheckpoints(path: string): Checkpoint[] | null {
  const document = readJson(path);
  if (document === null) return null;
  const pages = Array.isArray(document) ? document : [document];
  return pages.flatMap((page: unknown) => {
    if (page && typeof page === 'object' && Array.isArray((page as Json).checkpoints)) return (page as { checkpoints: Checkpoint[] }).checkpoints;
    return [page as Checkpoint];
  });
}
