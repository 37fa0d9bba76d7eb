import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { civilAffairsLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedCivilAffairs } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'civil-affairs',
  dbSchema: 'civil_affairs',
  port: 4007,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedCivilAffairs,
  loaders: civilAffairsLoaders,
  resolvers,
});
