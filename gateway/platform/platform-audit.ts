import type { Caller } from '../identity/caller.ts';
import type { AuditLog } from '../state/index.ts';

/**
 * Every workflow and registry state change is itself an audit record (kind PLATFORM), written before
 * the answer. `context` is the request's (a GatewayContext fits); `resource`/`provider` name whose
 * resource the change concerns, when one does.
 */
export async function auditPlatformEvent(audit: AuditLog, context: { requestId: string; caller: Caller }, event: {
  operation: string; resource?: string; provider?: string; detail: string; now: Date;
}): Promise<void> {
  await audit.append({
    at: event.now.toISOString(),
    requestId: context.requestId,
    consumer: context.caller.department,
    operator: context.caller.operator,
    purpose: context.caller.purpose,
    operationName: event.operation,
    operationHash: '',
    fields: [],
    resources: event.resource ? [event.resource] : [],
    providers: event.provider ? [event.provider] : [],
    decision: 'ALLOWED',
    maskedFields: [],
    durationMs: null,
    errorCode: null,
    inputDigest: null,
    kind: 'PLATFORM',
    detail: event.detail,
  });
}
