/**
 * `npm run new-subgraph -- <name> [--provider <department>] [--resource <CODE>] [--port <n>]`:
 * scaffolds a provider subgraph on the kit — SDL with the link block and directives, DDL, seed,
 * loaders, resolvers and a test — that composes and publishes as generated.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as templates from './new-subgraph/templates.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { provider: { type: 'string' }, resource: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' }, tests: { type: 'string' } },
});
const fail = (message: string): never => { process.stderr.write(`${message}\n`); process.exit(2); };
const name = positionals[0] ?? fail('usage: npm run new-subgraph -- <name> [--provider <department>] [--resource <CODE>] [--port <n>]');
if (!/^[a-z][a-z0-9-]{1,40}$/.test(name)) fail(`"${name}" is not a valid subgraph name: lower-case letters, digits and dashes`);

const root = resolve(new URL('..', import.meta.url).pathname);
const folder = resolve(values.dir ?? join(root, 'subgraphs'), name);
const testsDir = resolve(values.tests ?? join(root, 'tests'));
if (existsSync(folder)) fail(`${folder} exists already`);

const words = name.split('-');
// The entity is one record: parking-permits → ParkingPermit, with parkingPermit(id) and parkingPermits(ids).
const singular = [...words.slice(0, -1), words.at(-1)!.replace(/(?<=..)s$/, '')];
const pascal = singular.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
const importPath = (from: string, to: string) => { const p = relative(from, to).replaceAll('\\', '/'); return p.startsWith('.') ? p : `./${p}`; };
const names: templates.ScaffoldNames = {
  name,
  dbSchema: name.replaceAll('-', '_'),
  type: pascal,
  field: pascal[0]!.toLowerCase() + pascal.slice(1),
  resource: values.resource ?? `${words.map((w) => w.slice(0, 3).toUpperCase()).join('-')}-RECORD`,
  provider: values.provider ?? 'data-bureau',
  port: Number(values.port ?? 4100),
  kit: `${importPath(folder, join(root, 'subgraphs', 'kit'))}/index.ts`,
  fromTests: importPath(testsDir, folder),
  support: importPath(testsDir, join(root, 'tests', 'support')),
};

mkdirSync(folder, { recursive: true });
const files: Array<[string, string]> = [
  [join(folder, 'schema.graphql'), templates.schemaGraphql(names)],
  [join(folder, 'schema.sql'), templates.schemaSql(names)],
  [join(folder, 'seed.ts'), templates.seedTs(names)],
  [join(folder, 'loaders.ts'), templates.loadersTs(names)],
  [join(folder, 'resolvers.ts'), templates.resolversTs(names)],
  [join(folder, 'index.ts'), templates.indexTs(names)],
  [join(testsDir, `${name}.test.ts`), templates.testTs(names)],
];
for (const [path, content] of files) {
  writeFileSync(path, content, { flag: 'wx' });
  process.stdout.write(`created ${relative(process.cwd(), path)}\n`);
}
process.stdout.write(`
Next:
  npm run start:subgraph -- ${name}             # serves it on :${names.port} (SUBGRAPH_PORT to change)
  npx vitest run tests/${name}.test.ts          # its test, behind a gateway
  npm run publish -- --name ${name} --url http://127.0.0.1:${names.port}/graphql --token $(npm run -s token -- --dept ${names.provider} --roles provider)
`);
