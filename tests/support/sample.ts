import { resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { SeedOptions } from '../../subgraphs/kit/index.ts';

/** The data set every integration test uses: small enough to seed in a second, fixtures included. */
export const TEST_SAMPLE: SeedOptions = { seed: 42, persons: 300 };

export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** A seeded PGlite directory that stacks copy instead of seeding again (made by global-setup). */
export function pgliteTemplateDir(sample: SeedOptions = TEST_SAMPLE): string {
  const key = createHash('sha256').update(JSON.stringify(sample)).digest('hex').slice(0, 12);
  return resolve(REPO_ROOT, '.data', 'test-templates', `pglite-${key}`);
}

/** PostgreSQL databases seeded like the PGlite template (made by global-setup); test databases are copies. */
export const POSTGRES_TEMPLATE_PREFIX = 'govshare_test_template_';

/** The URL of database `name` on the server `serverUrl` points at. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
