import { loadBatch, type Resolvers, type SubgraphContext } from '../kit/index.ts';
import type { EnterpriseRecord, LegalEntityLoaders } from './loaders.ts';
import { verifyEnterprises, type EnterpriseClaim } from './compare.ts';

type Ctx = SubgraphContext<LegalEntityLoaders>;

export const resolvers: Resolvers = {
  Query: {
    enterprise: (_: unknown, { uscc }: { uscc: string }, ctx: Ctx) => ctx.loaders.enterprise.load(uscc),
    enterprises: (_: unknown, { usccs }: { usccs: string[] }, ctx: Ctx) => loadBatch(ctx.loaders.enterprise, usccs, 'enterprises'),
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
