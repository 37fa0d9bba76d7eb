import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import type { PensionRecord, SocialSecurityLoaders } from './loaders.ts';

type Ctx = SubgraphContext<SocialSecurityLoaders>;

export const resolvers: Resolvers = {
  Person: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { idNumber: string }) => ref,
    pension: (p: { idNumber: string }, _: unknown, ctx: Ctx) => ctx.loaders.pension.load(p.idNumber),
    medicalInsurance: (p: { idNumber: string }, _: unknown, ctx: Ctx) => ctx.loaders.medicalInsurance.load(p.idNumber),
  },
  PensionInsurance: {
    // A representation: the legal-entity subgraph resolves the enterprise.
    employer: (p: PensionRecord) => (p.employer ? { uscc: p.employer } : null),
  },
  Enterprise: {
    __resolveReference: (ref: { uscc: string }) => ref,
    insuredEmployeeCount: async (e: { uscc: string }, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.enterpriseInsured.load(e.uscc))?.insuredEmployeeCount ?? null,
  },
};
