import type { Resolvers, SubgraphContext } from '../kit/index.ts';
import type { HousingLoaders, PropertyRecord } from './loaders.ts';
import { verifyPropertyOwnership, type OwnershipClaim } from './compare.ts';

type Ctx = SubgraphContext<HousingLoaders>;

export const resolvers: Resolvers = {
  Query: {
    verifyPropertyOwnership: (_: unknown, { claims }: { claims: OwnershipClaim[] }, ctx: Ctx) =>
      verifyPropertyOwnership(ctx.sql, claims),
  },
  Property: {
    __resolveReference: (ref: { certificateNumber: string }, ctx: Ctx) => ctx.loaders.property.load(ref.certificateNumber),
    // Representations: the population subgraph resolves the persons.
    owners: async (p: PropertyRecord, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.owners.load(p.certificateNumber)).map((o) => ({ idNumber: o.idNumber })),
  },
  Person: {
    // Only extended here: the key is all this subgraph needs; the fields load.
    __resolveReference: (ref: { idNumber: string }) => ref,
    properties: async (p: { idNumber: string }, _: unknown, ctx: Ctx) => {
      const rows = await ctx.loaders.propertiesByOwner.load(p.idNumber);
      return rows.map(({ ownerIdNumber: _owner, ...property }) => {
        ctx.loaders.property.prime(property.certificateNumber, property);
        return property;
      });
    },
  },
};
