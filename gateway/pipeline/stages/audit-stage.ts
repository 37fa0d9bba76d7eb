import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, statusOf } from '../../../protocol/errors.ts';
import type { GraphQLFormattedError } from 'graphql';
import type { PolicyModel } from '../../../schema/policy-model.ts';
import type { GatewayContext } from '../../execution/context.ts';
import type { LookupMisses } from '../../platform/lookup-misses.ts';
import { subjectDigester } from '../../state/subject-digest.ts';
import type { AuditLog } from '../../state/types.ts';
import { auditEntryFor, subjectReadsOf } from '../audit-entry.ts';
import { countUnknownKeys } from '../unknown-keys.ts';
import { declaredVariables } from '../variables.ts';

export interface AuditStageDependencies {
  model: () => PolicyModel;
  audit: AuditLog;
  auditKey: string;
  now: () => Date;
  /** Where unknown-key lookups are counted per consumer (evaluation); absent: not counted. */
  lookupMisses?: Pick<LookupMisses, 'add'>;
}

/**
 * audit: no data leaves without its committed record, and no refusal after authentication goes
 * unrecorded (CONTRACT §6, §9). The answer waits for the commit; a failed one replaces the data with
 * AUDIT_UNAVAILABLE (503). Parse and validation failures touch no data and introspection reads only
 * the schema: those are not recorded.
 */
export function auditStage(deps: AuditStageDependencies): ApolloServerPlugin<GatewayContext> {
  const digest = subjectDigester(deps.auditKey);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context, response, request, operationName, operation }) {
          if (response.body.kind !== 'single') return;
          const body = response.body;
          const analysis = context.analysis;
          if (context.decision !== 'DENIED' && (!analysis || analysis.introspectionOnly)) return;
          const entry = auditEntryFor({
            context, model: deps.model(), auditKey: deps.auditKey, query: request.query ?? '',
            // A document refused in validation resolved no operation yet: record the name the client gave.
            operationName: operationName ?? request.operationName ?? null,
            variables: context.variablesBounded ? declaredVariables(operation, request.variables) : null,
            maskedFields: context.maskedFields ?? new Set<string>(), now: deps.now(),
          });
          // Indexed beside the record (recall, subject access logs): one HMAC per subject read.
          if (context.subjects?.size) Object.assign(entry, subjectReadsOf(context.subjects, digest, context.embargoUntil ?? null));
          try {
            await deps.audit.append(entry);
          } catch {
            // A refusal carries no data: its own error says more than the audit outage does.
            if (context.decision === 'DENIED') return;
            body.singleResult = { errors: [{ message: 'the audit log cannot be written: no data is served without its audit record', extensions: { code: ErrorCode.AUDIT_UNAVAILABLE } }] };
            response.http.status = statusOf(ErrorCode.AUDIT_UNAVAILABLE);
            return;
          }
          const data = body.singleResult.data as Record<string, unknown> | null | undefined;
          const unknown = deps.lookupMisses && context.decision === 'ALLOWED' ? countUnknownKeys(data, operation, deps.model()) : 0;
          // A count for the evaluation, not a record of the exchange (that is the audit entry above).
          if (unknown > 0) await deps.lookupMisses!.add(context.caller.department, unknown, deps.now()).catch(() => {});
          relayRateLimit(body.singleResult.errors, response.http);
        },
      };
    },
  };
}

/** CONTRACT §8: RATE_LIMITED is HTTP 429 with Retry-After, also when a provider's budget said it. */
function relayRateLimit(errors: readonly GraphQLFormattedError[] | undefined, http: { status?: number; headers: Map<string, string> }): void {
  const limited = errors?.filter((e) => e.extensions?.code === ErrorCode.RATE_LIMITED);
  if (!limited?.length) return;
  const wait = Math.max(1, ...limited.map((e) => Number(e.extensions?.retryAfter) || 0));
  http.status = statusOf(ErrorCode.RATE_LIMITED);
  http.headers.set('retry-after', String(Math.min(wait, 86_400)));
}
