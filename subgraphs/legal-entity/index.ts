import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { legalEntityLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { ENTERPRISE_CLAIM_RULES } from './compare.ts';
import { seedLegalEntity } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'legal-entity',
  dbSchema: 'legal_entity',
  port: 4002,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedLegalEntity,
  loaders: legalEntityLoaders,
  resolvers,
  claims: ENTERPRISE_CLAIM_RULES,
});
