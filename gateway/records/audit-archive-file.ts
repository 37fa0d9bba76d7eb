import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Archived records are as private as the database they came from: the owner only. */
const FILE_MODE = 0o600;

/** Where one month's archive lives in the archive folder. */
export function archivePaths(dir: string, month: string): { records: string; manifest: string } {
  return { records: join(dir, `${month}.jsonl.gz`), manifest: join(dir, `${month}.json`) };
}

/**
 * Writes `lines` (one JSON text each, newline added) gzipped to `path`: streamed, so memory stays flat
 * however many; written under a temporary name, synced, renamed into place and the folder synced, so
 * the name holds either nothing or the whole file. Resolves with the SHA-256 (hex) of the bytes written.
 * When `lines` throws, nothing is left behind.
 */
export async function writeGzipLines(path: string, lines: AsyncIterable<string>): Promise<string> {
  const temporary = temporaryName(path);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) { hash.update(chunk); done(null, chunk); },
  });
  try {
    await pipeline(Readable.from(withNewlines(lines)), createGzip(), hashing, createWriteStream(temporary, { mode: FILE_MODE }));
    await syncFile(temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(path);
  return hash.digest('hex');
}

/** `text` to `path` the same way: temporary name, sync, rename, folder synced. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const temporary = temporaryName(path);
  try {
    const file = await open(temporary, 'w', FILE_MODE);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(path);
}

export async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Beside the target (a rename stays on one file system), named so no two writers share one. */
function temporaryName(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

async function* withNewlines(lines: AsyncIterable<string>): AsyncGenerator<string> {
  // Joined in blocks: one stream chunk per line would cost more than the gzip itself.
  let block = '';
  for await (const line of lines) {
    block += `${line}\n`;
    if (block.length >= 1 << 16) { yield block; block = ''; }
  }
  if (block) yield block;
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try { await file.sync(); } finally { await file.close(); }
}

/** A rename is durable only once the folder's entry is: sync the folder too. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(path.slice(0, path.lastIndexOf('/')) || '/', 'r');
  try { await folder.sync(); } finally { await folder.close(); }
}
