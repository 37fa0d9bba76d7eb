import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { openDatabase, ensureSchemaAndSeed } from '../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { pgliteTemplateDir, TEST_SAMPLE } from './support/sample.ts';

/**
 * Seeds one PGlite directory with the test data set; each stack copies it (≈0.5 s to reopen)
 * instead of creating and seeding its own (seconds and ~800 MB each). Re-seeded when the DDL or
 * data set changes (the kit's seed marker decides).
 */
export default async function setup(): Promise<void> {
  const dir = pgliteTemplateDir();
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const db = await openDatabase({ kind: 'pglite', dataDir: existsSync(dir) ? dir : building });
  let changed = false;
  for (const definition of SAMPLE_SUBGRAPHS) {
    if ((await ensureSchemaAndSeed(db, definition, TEST_SAMPLE)) === 'seeded') changed = true;
  }
  await db.close();
  if (!existsSync(dir)) renameSync(building, dir);
  else rmSync(building, { recursive: true, force: true });
  if (changed) console.log(`[global-setup] seeded PGlite template ${dir}`);
}
