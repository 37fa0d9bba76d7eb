import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { JSONWebKeySet } from 'jose';
import { chainHash } from '../state/audit-chain.ts';
import type { AuditRecord } from '../state/types.ts';
import { parseManifest, verifyManifestSignature, type SignedArchiveManifest } from './audit-archive-manifest.ts';

export interface ArchiveVerdict {
  ok: boolean;
  /** What failed, one sentence each; empty when ok. */
  problems: string[];
  manifest: SignedArchiveManifest | null;
  /** The key that signed the manifest, when the signature holds. */
  kid: string | null;
}

/** `2025-01.json` → `2025-01.jsonl.gz`, beside it. */
export function archiveFileOf(manifestPath: string): string {
  return manifestPath.replace(/\.json$/, '.jsonl.gz');
}

/**
 * Checks an archived month as an auditor would, with the archive and the gateway's public keys alone:
 * the manifest's signature under `jwks`, the SHA-256 of the .gz, and the chain inside it — seqs
 * consecutive from firstSeq to lastSeq, `count` records, the first chained on firstPrevHash, each
 * prevHash its predecessor's hash, each hash recomputed from the record, the last one lastHash. Reads
 * the file as a stream: memory stays flat at any size.
 */
export async function verifyArchive(manifestPath: string, jwks: JSONWebKeySet): Promise<ArchiveVerdict> {
  const problems: string[] = [];
  let manifest: SignedArchiveManifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (error) {
    return { ok: false, problems: [`manifest ${manifestPath}: ${(error as Error).message}`], manifest: null, kid: null };
  }
  let kid: string | null = null;
  try {
    kid = await verifyManifestSignature(manifest, jwks);
  } catch (error) {
    problems.push(`the manifest's signature does not verify under the given keys (${(error as Error).message})`);
  }
  const file = archiveFileOf(manifestPath);
  try {
    const walk = await walkArchive(file, manifest);
    if (walk.sha256 !== manifest.sha256) problems.push(`the SHA-256 of ${file} is ${walk.sha256}, the manifest says ${manifest.sha256}`);
    problems.push(...walk.problems);
  } catch (error) {
    problems.push(`${file} cannot be read as gzipped JSON lines (${(error as Error).message})`);
  }
  return { ok: problems.length === 0, problems, manifest, kid };
}

/** One pass over the file: its bytes hashed and, decompressed, its records walked along the chain. */
async function walkArchive(file: string, manifest: SignedArchiveManifest): Promise<{ sha256: string; problems: string[] }> {
  const hash = createHash('sha256');
  const source = createReadStream(file);
  source.on('data', (chunk) => hash.update(chunk));
  const gunzip = createGunzip();
  source.on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  let expectedSeq = manifest.firstSeq;
  let prevHash = manifest.firstPrevHash;
  let count = 0;
  let broken: string | null = null;
  for await (const line of lines) {
    if (broken !== null) continue; // read on to the end: the file's hash is still wanted
    if (line === '') continue;
    count += 1;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      broken = `line ${count} is not JSON`;
      continue;
    }
    const { hash: stored, ...unsealed } = record;
    if (record.seq !== expectedSeq || record.id !== String(expectedSeq)) broken = `record ${count} has seq ${String(record.seq)}, expected ${expectedSeq}`;
    else if (record.prevHash !== prevHash) broken = `record ${record.seq} does not chain on its predecessor (prevHash ${String(record.prevHash)}, expected ${prevHash})`;
    else if (chainHash(record.prevHash, unsealed) !== stored) broken = `record ${record.seq}'s hash does not match its content`;
    else {
      prevHash = stored;
      expectedSeq += 1;
    }
  }
  const problems = broken !== null ? [`the chain inside the archive breaks: ${broken}`] : [];
  if (broken === null) {
    if (count !== manifest.count) problems.push(`the archive holds ${count} records, the manifest says ${manifest.count}`);
    if (expectedSeq - 1 !== manifest.lastSeq) problems.push(`the archive ends at record ${expectedSeq - 1}, the manifest says ${manifest.lastSeq}`);
    if (prevHash !== manifest.lastHash) problems.push(`the archive's last hash is ${prevHash}, the manifest says ${manifest.lastHash}`);
  }
  return { sha256: hash.digest('hex'), problems };
}
