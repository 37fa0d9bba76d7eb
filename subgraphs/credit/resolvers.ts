import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import type { CreditLoaders } from './loaders.ts';

type Ctx = SubgraphContext<CreditLoaders>;

export const resolvers: Resolvers = {
  Enterprise: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { uscc: string }) => ref,
    creditRating: async (e: { uscc: string }, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.enterpriseCredit.load(e.uscc))?.creditRating ?? null,
    dishonestRecords: (e: { uscc: string }, _: unknown, ctx: Ctx) => ctx.loaders.dishonestRecords.load(e.uscc),
    internalRiskScore: async (e: { uscc: string }, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.enterpriseCredit.load(e.uscc))?.internalRiskScore ?? null,
  },
  Person: {
    __resolveReference: (ref: { idNumber: string }) => ref,
    // Not on the list means not a dishonest debtor.
    dishonestDebtor: async (p: { idNumber: string }, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.dishonestDebtor.load(p.idNumber)) !== null,
  },
};
