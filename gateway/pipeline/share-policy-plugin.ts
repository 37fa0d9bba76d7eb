import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { GatewayContext } from '../execution/context.ts';
import { PolicyUnavailableError, type GrantCache } from '../state/grant-cache.ts';
import type { AuditLog } from '../state/types.ts';
import { analyseOperation, exceededLimit, DEFAULT_LIMITS, type AnalysisLimits, type OperationAnalysis } from './analyse.ts';
import { auditEntryFor } from './audit-entry.ts';
import { authorise, needsGrants } from './authorise.ts';
import { policyError } from './errors.ts';
import { applyMasks } from './mask.ts';

export interface SharePolicyDependencies {
  model: () => PolicyModel;
  grants: GrantCache;
  audit: AuditLog;
  auditKey: string;
  now: () => Date;
  limits?: AnalysisLimits;
  /** Off only to measure what the policy layer costs (benchmarks); never in a deployment. */
  enforce?: boolean;
}

/**
 * The named stages inside Apollo's request pipeline, after authenticate (done before Apollo):
 * analyse → authorise (didResolveOperation, before any subgraph is called) → execute (Apollo) →
 * mask → audit (willSendResponse, before a byte is sent).
 */
export function sharePolicyPlugin(deps: SharePolicyDependencies): ApolloServerPlugin<GatewayContext> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const enforce = deps.enforce ?? true;
  // Apollo hands the same parsed document to every request with the same query text (its document
  // store), and a new schema object after every swap: the analysis is a pure function of the two.
  const analyses = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, OperationAnalysis>>>();
  const analysisOf = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, model: PolicyModel) => {
    let bySchema = analyses.get(schema);
    if (!bySchema) analyses.set(schema, bySchema = new WeakMap());
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, byOperation = new Map());
    const key = operation.name?.value ?? '';
    let analysis = byOperation.get(key);
    if (!analysis) byOperation.set(key, analysis = analyseOperation(schema, document, operation, model));
    return analysis;
  };
  // Off only to measure what the policy layer costs: no analysis, authorisation, masking or audit;
  // the gateway still vouches for every field, so the subgraphs serve what they are asked.
  const everyField = new WeakMap<PolicyModel, string[]>();
  const vouchForAll: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue }) {
          const model = deps.model();
          // Only what subgraphs check (CONDITIONAL fields that decide access): every coordinate would
          // make each signature several kilobytes and the baseline slower than the real thing.
          let all = everyField.get(model);
          if (!all) everyField.set(model, all = [...model.fields.values()].filter((f) => f.shareType === 'CONDITIONAL' && !f.onValueType).map((f) => f.coordinate));
          contextValue.readable = all;
        },
      };
    },
  };
  if (!enforce) return vouchForAll;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: context, document, operation, schema }) {
          const model = deps.model();
          if (!operation) return;
          // analyse
          const analysis = analysisOf(schema, document, operation, model);
          context.analysis = analysis;
          const tooComplex = exceededLimit(analysis, limits);
          if (tooComplex) throw refuse(context, policyError('QUERY_TOO_COMPLEX', `operation refused: ${tooComplex}`, 400));
          if (analysis.introspectionOnly) { context.decision = 'ALLOWED'; return; }
          // authorise
          let grants: Awaited<ReturnType<GrantCache['grantsOf']>> = [];
          if (needsGrants(analysis, model)) {
            try {
              grants = await deps.grants.grantsOf(context.caller.department);
            } catch (error) {
              if (!(error instanceof PolicyUnavailableError)) throw error;
              throw refuse(context, policyError('POLICY_UNAVAILABLE', 'grants cannot be read right now: CONDITIONAL data is refused, never served unchecked', 503));
            }
          }
          const decision = authorise(analysis, model, context.caller.department, context.caller.purpose, grants, deps.now());
          if (decision.kind === 'denied') {
            const list = decision.denied.map((d) => `${d.coordinate} (apply for resource ${d.resource} at provider ${d.provider})`).join('; ');
            throw refuse(context, policyError('SHARE_DENIED',
              `access refused: ${list}. Apply with applyForAccess, stating your purpose.`, 403, { denied: decision.denied }));
          }
          if (decision.kind === 'purpose-required') {
            throw refuse(context, policyError('PURPOSE_REQUIRED',
              `${decision.coordinates.join(', ')} ${decision.coordinates.length > 1 ? 'are' : 'is'} CONDITIONAL: state the purpose of use in the X-Share-Purpose header (percent-encoded UTF-8) or extensions.purpose`, 400));
          }
          context.readable = decision.readable;
          context.raw = decision.raw;
          context.decision = 'ALLOWED';
        },

        async willSendResponse({ contextValue: context, response, request, operationName }) {
          const analysis = context.analysis;
          // Parse and validation failures touch no data; introspection reads only the schema.
          if (!analysis || analysis.introspectionOnly || response.body.kind !== 'single') return;
          const body = response.body;
          const data = body.singleResult.data as Record<string, unknown> | null | undefined;
          // mask
          const masked = data ? applyMasks(data, analysis.maskPlan, context.raw ?? new Set()) : new Set<string>();
          // audit: no data leaves without its record
          try {
            await deps.audit.append(auditEntryFor({
              context, model: deps.model(), auditKey: deps.auditKey, query: request.query ?? '',
              operationName: operationName ?? null, variables: request.variables, maskedFields: masked, now: deps.now(),
            }));
          } catch {
            // A refusal carries no data: its own error says more than the audit outage does.
            if (context.decision === 'DENIED') return;
            body.singleResult = { errors: [{ message: 'the audit log cannot be written: no data is served without its audit record', extensions: { code: 'AUDIT_UNAVAILABLE' } }] };
            response.http.status = 503;
          }
        },
      };
    },
  };
}

function refuse(context: GatewayContext, error: GraphQLError): GraphQLError {
  context.decision = 'DENIED';
  context.errorCode = String(error.extensions.code);
  return error;
}
