import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, ensureSchemaAndSeed, type Sql } from '../subgraphs/kit/index.ts';
import { loadMigrations, migrate } from '../gateway/records/migrate.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { databaseUrl, pgliteTemplateDir, POSTGRES_TEMPLATE_PREFIX, TEST_SAMPLE } from './support/sample.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tar of the seeded PGlite template (`dumpDataDir`): each test database opens a copy in memory. */
    pgliteDump: string;
    /** With DATABASE_URL: a PostgreSQL database seeded alike, each test database a `CREATE DATABASE … TEMPLATE` of it; else ''. */
    postgresTemplate: string;
    /** An embedded records folder with every migration applied and no record: what a spawned gateway starts on (`spawnScript`). */
    recordsTemplate: string;
  }
}

/**
 * Seeds one PGlite directory with the test data set; each stack opens a copy of it instead of creating
 * and seeding its own (seconds and ~800 MB each). Re-seeded when the DDL or data set changes (the kit's
 * seed marker decides). The copies are taken from a dump of it in memory (no thousand files to copy
 * and delete per stack), and with DATABASE_URL from a PostgreSQL template seeded the same way; both
 * are named after the seed markers, so a dump or template of another seed is never used.
 */
export default async function setup(project: TestProject): Promise<void> {
  const dir = pgliteTemplateDir();
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const db = await openDatabase({ kind: 'pglite', dataDir: existsSync(dir) ? dir : building });
  let changed = false;
  let key: string;
  try {
    for (const definition of SAMPLE_SUBGRAPHS) {
      if ((await ensureSchemaAndSeed(db, definition, TEST_SAMPLE)) === 'seeded') changed = true;
    }
    key = await seedKey(db);
  } finally {
    await db.close();
  }
  if (!existsSync(dir)) renameSync(building, dir);
  else rmSync(building, { recursive: true, force: true });
  if (changed) console.log(`[global-setup] seeded PGlite template ${dir}`);
  project.provide('pgliteDump', await pgliteDump(dir, key));
  project.provide('postgresTemplate', process.env.DATABASE_URL ? await postgresTemplate(process.env.DATABASE_URL, key) : '');
  project.provide('recordsTemplate', await recordsTemplate(dirname(dir)));
}

/**
 * A PGlite records folder migrated and otherwise empty, named after the migrations it holds. A gateway
 * process started on a fresh data folder spends ~3 s of CPU creating its PGlite cluster and migrating it;
 * the suites start dozens, and only the ones about a first start need that (they name their own folder).
 */
async function recordsTemplate(parent: string): Promise<string> {
  const migrations = loadMigrations();
  const dir = join(parent, `records-${createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 12)}`);
  if (existsSync(dir)) return dir;
  const building = `${dir}.${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ kind: 'pglite', dataDir: building });
  try {
    await migrate(db, migrations);
  } finally {
    await db.close();
  }
  // Another run may have finished the same template meanwhile: either is the same.
  if (existsSync(dir)) rmSync(building, { recursive: true, force: true });
  else renameSync(building, dir);
  for (const name of readdirSync(parent)) {
    if (name.startsWith('records-') && join(parent, name) !== dir && !name.includes('.')) rmSync(join(parent, name), { recursive: true, force: true });
  }
  return dir;
}

/** What the template holds, as a name: the seed markers of its subgraph schemas. */
async function seedKey(sql: Sql): Promise<string> {
  const hash = createHash('sha256');
  for (const definition of SAMPLE_SUBGRAPHS) {
    const rows = await sql.query<{ marker: string }>(`SELECT marker FROM "${definition.dbSchema}".govshare_seed`);
    hash.update(`${definition.dbSchema}=${rows.map((r) => r.marker).join(',')};`);
  }
  return hash.digest('hex').slice(0, 12);
}

/** The template directory as a tar beside it, written once per seed (written aside, then renamed: never half a dump). */
async function pgliteDump(dir: string, key: string): Promise<string> {
  const path = `${dir}-${key}.tar`;
  if (existsSync(path)) return path;
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: dir });
  const aside = `${path}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(aside, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  } finally {
    await db.close();
  }
  renameSync(aside, path);
  // Dumps of earlier seeds are of no further use.
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(`${basename(dir)}-`) && name.endsWith('.tar') && name !== basename(path)) rmSync(join(dirname(path), name), { force: true });
  }
  return path;
}

/**
 * A PostgreSQL database seeded like the PGlite template, built under a name of its own and renamed
 * when complete (another run may be building or copying at the same time); templates of earlier
 * seeds are dropped unless a run is copying one.
 */
async function postgresTemplate(url: string, key: string): Promise<string> {
  const name = `${POSTGRES_TEMPLATE_PREFIX}${key}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const exists = async () => ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  try {
    if (!(await exists())) {
      const building = `${name}_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${building}`);
      try {
        const db = await openDatabase({ kind: 'postgres', url: databaseUrl(url, building), poolSize: 2 });
        try {
          for (const definition of SAMPLE_SUBGRAPHS) await ensureSchemaAndSeed(db, definition, TEST_SAMPLE);
        } finally {
          await db.close();
        }
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch (error) {
        await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        // Another run finished the same template first: use that one.
        if (!(await exists())) throw error;
      }
      console.log(`[global-setup] seeded PostgreSQL template ${name}`);
    }
    const old = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2', [POSTGRES_TEMPLATE_PREFIX, name]);
    for (const { datname } of old.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => {});
  } finally {
    await admin.end();
  }
  return name;
}
