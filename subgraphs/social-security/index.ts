import { readFileSync } from 'node:fs';
import { defineSubgraph } from '../kit/index.ts';
import { socialSecurityLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedSocialSecurity } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: 'social-security',
  dbSchema: 'social_security',
  port: 4006,
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seedSocialSecurity,
  loaders: socialSecurityLoaders,
  resolvers,
});
