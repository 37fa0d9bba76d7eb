import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import { badUserInput } from '../kit/errors.ts';
import type { PopulationLoaders } from './loaders.ts';
import { verifyPersons, type PersonClaim } from './compare.ts';

type Ctx = SubgraphContext<PopulationLoaders>;
const MAX_BATCH = 1000;

export const resolvers: Resolvers = {
  Query: {
    person: (_: unknown, { idNumber }: { idNumber: string }, ctx: Ctx) => ctx.loaders.person.load(idNumber),
    persons: (_: unknown, { idNumbers }: { idNumbers: string[] }, ctx: Ctx) => {
      if (idNumbers.length > MAX_BATCH) throw badUserInput(`persons takes at most ${MAX_BATCH} ids, got ${idNumbers.length}`);
      return ctx.loaders.person.loadMany(idNumbers);
    },
    verifyPersons: (_: unknown, { claims }: { claims: PersonClaim[] }, ctx: Ctx) => verifyPersons(ctx.sql, claims),
  },
  Person: {
    __resolveReference: (ref: { idNumber: string }, ctx: Ctx) => ctx.loaders.person.load(ref.idNumber),
  },
};
