import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import { badUserInput } from '../kit/errors.ts';
import type { EnterpriseRecord, LegalEntityLoaders } from './loaders.ts';
import { verifyEnterprises, type EnterpriseClaim } from './compare.ts';

type Ctx = SubgraphContext<LegalEntityLoaders>;
const MAX_BATCH = 1000;

export const resolvers: Resolvers = {
  Query: {
    enterprise: (_: unknown, { uscc }: { uscc: string }, ctx: Ctx) => ctx.loaders.enterprise.load(uscc),
    enterprises: (_: unknown, { usccs }: { usccs: string[] }, ctx: Ctx) => {
      if (usccs.length > MAX_BATCH) throw badUserInput(`enterprises takes at most ${MAX_BATCH} codes, got ${usccs.length}`);
      return ctx.loaders.enterprise.loadMany(usccs);
    },
    verifyEnterprises: (_: unknown, { claims }: { claims: EnterpriseClaim[] }, ctx: Ctx) => verifyEnterprises(ctx.sql, claims),
  },
  Enterprise: {
    __resolveReference: (ref: { uscc: string }, ctx: Ctx) => ctx.loaders.enterprise.load(ref.uscc),
    // A representation: the population subgraph resolves the person.
    legalRepresentative: (e: EnterpriseRecord) => (e.legalRepresentative ? { idNumber: e.legalRepresentative } : null),
  },
  Person: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { idNumber: string }) => ref,
    enterprises: async (p: { idNumber: string }, _: unknown, ctx: Ctx) => {
      const rows = await ctx.loaders.enterprisesByRepresentative.load(p.idNumber);
      for (const row of rows) ctx.loaders.enterprise.prime(row.uscc, row);
      return rows;
    },
  },
};
