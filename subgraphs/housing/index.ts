import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { housingLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedHousing } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'housing',
  dbSchema: 'housing',
  port: 4005,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedHousing,
  loaders: housingLoaders,
  resolvers,
});
