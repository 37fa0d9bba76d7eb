import { randomUUID } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { sealClaims, verifyClaimKey, type SealedBatch, type SignedClaimKey } from '../../protocol/sealed-claims/index.ts';
import type { GraphQLResponse, Stack } from './stack.ts';
import { as } from './tokens.ts';

/** The comparisons of the sample catalog: field, claim type and resource. */
export const SEALED_TARGETS = {
  'POP-PERSON': { field: 'verifyPersons', claimType: 'PersonClaim', subgraph: 'population' },
  'ENT-ENTERPRISE': { field: 'verifyEnterprises', claimType: 'EnterpriseClaim', subgraph: 'legal-entity' },
  'HSE-PROPERTY': { field: 'verifyPropertyOwnership', claimType: 'OwnershipClaim', subgraph: 'housing' },
} as const;
export type SealedResource = keyof typeof SEALED_TARGETS;

/** A resource's claim key as the catalog serves it, its gateway signature verified with the stack's JWKS. */
export async function catalogClaimKey(stack: Stack, resource: string): Promise<SignedClaimKey> {
  const { body } = await stack.query('query Key($code: String!) { resource(code: $code) { claimKey { kid key suite signature } } }', { code: resource }, await as('tax'));
  const key = body.data?.resource?.claimKey as SignedClaimKey | null;
  if (!key) throw new Error(`no claim key for ${resource}: ${JSON.stringify(body.errors ?? body.data)}`);
  await verifyClaimKey(key, resource, createLocalJWKSet(stack.keys.jwks));
  return key;
}

export function sealedQuery(resource: SealedResource, selection = 'index sealed'): string {
  const { field } = SEALED_TARGETS[resource];
  return `query Sealed($sealedClaims: [String!]!, $sealing: ClaimSealing!) { ${field}(sealedClaims: $sealedClaims, sealing: $sealing) { ${selection} } }`;
}

export interface SealedCall {
  batch: SealedBatch;
  response: GraphQLResponse;
  /** The opened results; null when the request was refused. */
  results: Array<Record<string, unknown>> | null;
}

/**
 * Seals `claims` as a consumer does (bound to `binding`, by default the caller's own request) and sends
 * them; `alter` may change what is sent (an attack) after sealing.
 */
export async function sealedCompare(stack: Stack, options: {
  resource: SealedResource; consumer: string; purpose: string; claims: unknown[];
  key?: SignedClaimKey; headers?: Record<string, string>;
  bind?: Partial<{ requestId: string; consumer: string; resource: string; purpose: string }>;
  alter?: (sent: { sealedClaims: string[]; sealing: SealedBatch['sealing'] }) => { sealedClaims: unknown; sealing: unknown };
  selection?: string;
}): Promise<SealedCall> {
  const key = options.key ?? await catalogClaimKey(stack, options.resource);
  const batch = await sealClaims(key, {
    requestId: randomUUID(), consumer: options.consumer, resource: options.resource, purpose: options.purpose, ...options.bind,
  }, options.claims);
  const sent = options.alter ? options.alter({ sealedClaims: [...batch.sealedClaims], sealing: { ...batch.sealing } }) : batch;
  const response = await stack.query(sealedQuery(options.resource, options.selection), { sealedClaims: sent.sealedClaims, sealing: sent.sealing },
    options.headers ?? await as(options.consumer, { purpose: options.purpose }));
  const list = response.body.data?.[SEALED_TARGETS[options.resource].field] as Array<{ sealed: string }> | undefined;
  const results = response.body.errors || !list ? null : await batch.openResults(list.map((r) => r.sealed));
  return { batch, response, results };
}
