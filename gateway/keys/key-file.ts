import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KeyFile {
  path: string;
  text: string;
  /** True when this call generated the file (the caller says so in its log). */
  created: boolean;
}

/**
 * Reads a key file, or creates it with `generate()` when it does not exist yet: mode 0600 in a 0700
 * folder, written completely before it appears under its name (written to a temporary name, then
 * hard-linked), so two processes starting at once agree on one key and never read half of one.
 * A key file others can read is tightened to 0600.
 */
export function readOrCreateKeyFile(path: string, generate: () => string): KeyFile {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    return { path, text: read(path), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, generate());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let created = true;
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false; // another process won the race: use its key
  } finally {
    unlinkSync(temporary);
  }
  return { path, text: read(path), created };
}

/** A random secret as text (base64url of 32 bytes: 256 bits, as HS256 and HMAC-SHA-256 want). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

function read(path: string): string {
  const text = readFileSync(path, 'utf8');
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  if (!text.trim()) throw new Error(`key file ${path} is empty: remove it to have a new key generated`);
  return text;
}
