import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One database page: what PGlite needs to extend a table by one block. */
const PROBE_BYTES = 8192;

/**
 * Resolves when the folder of the embedded records takes a write now; rejects with the system's reason
 * (ENOSPC, EROFS, EDQUOT, EPERM) otherwise. PGlite answers `SELECT 1` from its buffers while the disk
 * under it is full or read-only — only its next extension of a table fails — so a read alone would keep
 * `/readyz` at 200 while every data request is refused for want of its audit record. Writes one page
 * beside the database, flushed, then removes it.
 */
export async function probeWritable(dir: string): Promise<void> {
  const path = join(dir, `.readiness-probe-${process.pid}`);
  const file = await open(path, 'w', 0o600);
  try {
    await file.write(Buffer.alloc(PROBE_BYTES));
    await file.sync();
  } finally {
    await file.close().catch(() => {});
    await unlink(path).catch(() => {});
  }
}
