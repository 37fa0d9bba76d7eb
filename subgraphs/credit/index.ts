import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { creditLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedCredit } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'credit',
  dbSchema: 'credit',
  port: 4004,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedCredit,
  loaders: creditLoaders,
  resolvers,
});
