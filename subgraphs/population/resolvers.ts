import { loadBatch, type Resolvers, type SubgraphContext } from '../kit/index.ts';
import type { PopulationLoaders } from './loaders.ts';
import { verifyPersons, type PersonClaim } from './compare.ts';

type Ctx = SubgraphContext<PopulationLoaders>;

export const resolvers: Resolvers = {
  Query: {
    person: (_: unknown, { idNumber }: { idNumber: string }, ctx: Ctx) => ctx.loaders.person.load(idNumber),
    persons: (_: unknown, { idNumbers }: { idNumbers: string[] }, ctx: Ctx) => loadBatch(ctx.loaders.person, idNumbers, 'persons'),
    verifyPersons: (_: unknown, { claims }: { claims: PersonClaim[] }, ctx: Ctx) => verifyPersons(ctx.sql, claims),
  },
  Person: {
    __resolveReference: (ref: { idNumber: string }, ctx: Ctx) => ctx.loaders.person.load(ref.idNumber),
  },
};
