import { createHmac } from 'node:crypto';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { PLATFORM_RESOURCE } from '../platform/catalog.ts';
import type { AuditEntry } from '../state/types.ts';
import type { GatewayContext } from '../execution/context.ts';
import type { SubjectReads } from './subject-keys.ts';

interface OperationFacts { fields: string[]; resources: string[]; providers: string[]; operationHash: string }
const factsByAnalysis = new WeakMap<object, OperationFacts>();

/** What an operation's records share: computed once per analysed document, like the analysis itself. */
function operationFacts(context: GatewayContext, model: PolicyModel, auditKey: string, query: string): OperationFacts {
  const analysis = context.analysis;
  const cached = analysis ? factsByAnalysis.get(analysis) : undefined;
  if (cached) return cached;
  const fields = [...(analysis?.coordinates ?? [])].sort();
  const resources = new Set<string>();
  const providers = new Set<string>();
  for (const c of fields) {
    const policy = model.fields.get(c);
    // The platform's own API is no information resource: reading it serves no provider's data.
    if (policy && policy.resource !== PLATFORM_RESOURCE) { resources.add(policy.resource); providers.add(policy.provider); }
  }
  const facts = {
    fields, resources: [...resources].sort(), providers: [...providers].sort(),
    operationHash: createHmac('sha256', auditKey).update(query).digest('hex'),
  };
  if (analysis) factsByAnalysis.set(analysis, facts);
  return facts;
}

/** Stands for the digest of inputs that could not be digested: the record is written all the same. */
export const DIGEST_UNAVAILABLE = 'unavailable';

/**
 * Builds the audit record of one operation. The document and its inputs are kept only as keyed
 * digests (HMAC with the deployment's audit key): an ID number is low-entropy, a plain hash of a
 * query carrying one could be reversed by trying them all. Never throws for its inputs: a record
 * that cannot be built is a refusal that goes unrecorded.
 */
export function auditEntryFor(options: {
  context: GatewayContext; model: PolicyModel; auditKey: string; query: string;
  operationName: string | null;
  /** Only the variables the operation declares (`declaredVariables`), already within the §8 limits; null when none. */
  variables: Record<string, unknown> | null;
  maskedFields: Iterable<string>; now: Date;
}): AuditEntry {
  const { context, model, auditKey, query, operationName, variables, maskedFields, now } = options;
  const { fields, resources, providers, operationHash } = operationFacts(context, model, auditKey, query);
  return {
    at: now.toISOString(),
    requestId: context.requestId,
    consumer: context.caller.department,
    operator: context.caller.operator,
    purpose: context.caller.purpose,
    operationName,
    operationHash,
    fields,
    resources,
    providers,
    decision: context.decision ?? 'DENIED',
    maskedFields: [...maskedFields].sort(),
    durationMs: Math.round((performance.now() - context.startedAt) * 100) / 100,
    errorCode: context.errorCode ?? null,
    inputDigest: variables ? inputDigest(auditKey, variables) : null,
    kind: 'DATA',
    // Sealed comparisons: what the gateway saw of each batch, as JSON (count and digest, never a claim).
    detail: context.sealedClaims ? JSON.stringify({ sealedClaims: context.sealedClaims }) : null,
  };
}

function inputDigest(auditKey: string, variables: Record<string, unknown>): string {
  try {
    // The variables as the client sent them (key order kept): sorting 10,000 claims for a canonical
    // form cost ~20 ms per request, and the digest only has to match the same request again.
    return createHmac('sha256', auditKey).update(JSON.stringify(variables)).digest('hex');
  } catch {
    return DIGEST_UNAVAILABLE;
  }
}

/** The entry's subject reads: each key only as its keyed digest, with the coordinates read of it (sorted). */
export function subjectReadsOf(subjects: SubjectReads, digest: (key: string) => string, embargoUntil: string | null): Pick<AuditEntry, 'subjects' | 'embargoUntil'> {
  return {
    subjects: [...subjects].map(([key, fields]) => ({ digest: digest(key), fields: [...fields].sort() })),
    embargoUntil,
  };
}
