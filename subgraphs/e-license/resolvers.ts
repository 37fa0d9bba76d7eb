import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import type { ELicenseLoaders, LicenseRecord } from './loaders.ts';

type Ctx = SubgraphContext<ELicenseLoaders>;

const primed = (ctx: Ctx, rows: LicenseRecord[]): LicenseRecord[] => {
  for (const row of rows) ctx.loaders.license.prime(row.id, row);
  return rows;
};

export const resolvers: Resolvers = {
  License: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.license.load(ref.id),
  },
  Enterprise: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { uscc: string }) => ref,
    licenses: async (e: { uscc: string }, _: unknown, ctx: Ctx) =>
      primed(ctx, await ctx.loaders.licensesByEnterprise.load(e.uscc)),
  },
  Person: {
    __resolveReference: (ref: { idNumber: string }) => ref,
    licenses: async (p: { idNumber: string }, _: unknown, ctx: Ctx) =>
      primed(ctx, await ctx.loaders.licensesByPerson.load(p.idNumber)),
  },
};
