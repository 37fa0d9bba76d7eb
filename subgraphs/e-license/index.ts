import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { eLicenseLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedELicense } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'e-license',
  dbSchema: 'e_license',
  port: 4003,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedELicense,
  loaders: eLicenseLoaders,
  resolvers,
});
