import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { populationLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { PERSON_CLAIM_RULES } from './compare.ts';
import { seedPopulation } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'population',
  dbSchema: 'population',
  port: 4001,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedPopulation,
  loaders: populationLoaders,
  resolvers,
  claims: PERSON_CLAIM_RULES,
});
