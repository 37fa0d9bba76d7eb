import type { Grant, NewGrant } from './types.ts';

/** A fresh, unrevoked grant; fields are copied so the caller's objects never alias stored state. */
export function newGrantRecord(id: string, grant: NewGrant, now: Date): Grant {
  return {
    id, consumer: grant.consumer, resource: grant.resource, fields: [...grant.fields], raw: grant.raw,
    purpose: grant.purpose, validUntil: grant.validUntil, createdAt: now.toISOString(),
    revokedAt: null, revokeReason: null, applicationId: grant.applicationId ?? null, confidentialUntil: grant.confidentialUntil ?? null,
  };
}
