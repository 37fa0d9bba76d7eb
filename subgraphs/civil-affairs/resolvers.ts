import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import type { CivilAffairsLoaders, MarriageRecord } from './loaders.ts';

type Ctx = SubgraphContext<CivilAffairsLoaders>;

export const resolvers: Resolvers = {
  Person: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { idNumber: string }) => ref,
    subsistenceAllowance: (p: { idNumber: string }, _: unknown, ctx: Ctx) => ctx.loaders.allowance.load(p.idNumber),
    marriageRegistrations: (p: { idNumber: string }, _: unknown, ctx: Ctx) => ctx.loaders.marriages.load(p.idNumber),
  },
  MarriageRegistration: {
    // A representation: the population subgraph resolves the spouse.
    spouse: (m: MarriageRecord) => (m.spouse ? { idNumber: m.spouse } : null),
  },
};
