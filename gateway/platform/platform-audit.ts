import type { GatewayContext } from '../execution/context.ts';
import type { AuditLog } from '../state/index.ts';

/** Every workflow state change is itself an audit record (kind PLATFORM), written before the answer. */
export async function auditPlatformEvent(audit: AuditLog, context: GatewayContext, event: {
  operation: string; resource: string; provider: string; detail: string; now: Date;
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
    resources: [event.resource],
    providers: [event.provider],
    decision: 'ALLOWED',
    maskedFields: [],
    durationMs: null,
    errorCode: null,
    inputDigest: null,
    kind: 'PLATFORM',
    detail: event.detail,
  });
}
