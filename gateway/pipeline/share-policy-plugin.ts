import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { GatewayContext } from '../execution/context.ts';
import type { LookupMisses } from '../platform/lookup-misses.ts';
import { PolicyUnavailableError, type GrantCache } from '../state/grant-cache.ts';
import type { AuditLog } from '../state/types.ts';
import { analyseOperation, type OperationAnalysis } from './analyse.ts';
import { auditEntryFor } from './audit-entry.ts';
import { authorise, needsGrants } from './authorise.ts';
import { compileCost, evaluateCost, type CostExpression } from './cost.ts';
import { formatLimit, limitRefusalOf } from './error-scrubbing.ts';
import { policyError } from './errors.ts';
import { DEFAULT_REQUEST_LIMITS, LimitExceeded, type RequestLimits } from './limits.ts';
import { applyMasks } from './mask.ts';
import { tooManyTokens } from './tokens.ts';
import { checkVariables, declaredVariables } from './variables.ts';
import { countUnknownKeys } from './unknown-keys.ts';

export interface SharePolicyDependencies {
  model: () => PolicyModel;
  grants: GrantCache;
  audit: AuditLog;
  auditKey: string;
  now: () => Date;
  limits?: RequestLimits;
  /** Where unknown-key lookups are counted per consumer (evaluation); absent: not counted. */
  lookupMisses?: Pick<LookupMisses, 'add'>;
  /** Off only to measure what the policy layer costs (benchmarks); never in a deployment. */
  enforce?: boolean;
}

/** What a document's operation needs per request, computed once (Apollo reuses parsed documents). */
interface OperationPlan { cost: CostExpression; analysis?: OperationAnalysis }

/**
 * The named stages inside Apollo's request pipeline, after authenticate (done before Apollo):
 * limits (parsing and validation: `limits.ts`, `validation-rules.ts`; variables and cost here) →
 * analyse → authorise (didResolveOperation, before any subgraph is called) → execute (Apollo, only
 * the operation cleared here) → mask → audit (willSendResponse, before a byte is sent).
 */
export function sharePolicyPlugin(deps: SharePolicyDependencies): ApolloServerPlugin<GatewayContext> {
  const limits = deps.limits ?? DEFAULT_REQUEST_LIMITS;
  const enforce = deps.enforce ?? true;
  // Apollo hands the same parsed document to every request with the same query text (its document
  // store), and a new schema object after every swap: the plan is a pure function of the two.
  const plans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, OperationPlan>>>();
  const planOf = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationPlan => {
    let bySchema = plans.get(schema);
    if (!bySchema) plans.set(schema, bySchema = new WeakMap());
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, byOperation = new Map());
    const key = operation.name?.value ?? '';
    let plan = byOperation.get(key);
    if (!plan) byOperation.set(key, plan = { cost: compileCost(schema, document, operation, limits) });
    return plan;
  };
  // Off only to measure what the policy layer costs: no analysis, authorisation, masking or audit;
  // the gateway still vouches for every field, so the subgraphs serve what they are asked.
  const everyField = new WeakMap<PolicyModel, string[]>();
  const vouchForAll: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const model = deps.model();
          // Only what subgraphs check (CONDITIONAL fields that decide access): every coordinate would
          // make each signature several kilobytes and the baseline slower than the real thing.
          let all = everyField.get(model);
          if (!all) everyField.set(model, all = [...model.fields.values()].filter((f) => f.shareType === 'CONDITIONAL' && !f.onValueType).map((f) => f.coordinate));
          contextValue.readable = all;
          if (operation) contextValue.cleared = operation;
        },
      };
    },
  };
  if (!enforce) return vouchForAll;
  return {
    async requestDidStart({ request }) {
      // `operationName: ""` (or `&operationName=`) names no operation: Apollo would resolve none and
      // the gateway would still execute the document. Empty means absent.
      if (request.operationName === '') delete request.operationName;
      // A limit refused before the policy stage (tokens at parsing, document limits in validation).
      let refusal: LimitExceeded | null = null;
      // The variables passed the §8 limits: only then are they digested.
      let variablesBounded = false;
      let clientError = false;
      return {
        async parsingDidStart({ source }) {
          return async (error) => {
            // graphql-js stops parsing past `maxTokens` with a syntax error; only a count tells the two apart.
            if (error && tooManyTokens(source, limits.tokens)) refusal = new LimitExceeded('tokens', limits.tokens, 'the number of tokens in the document');
          };
        },

        async didEncounterErrors({ contextValue: context, errors }) {
          for (const error of errors) {
            refusal ??= limitRefusalOf(error, limits);
            const code = error.extensions?.code;
            if (code === 'PERSISTED_QUERY_NOT_SUPPORTED' || code === 'PERSISTED_QUERY_NOT_FOUND') clientError = true;
          }
          if (refusal && !context.decision) markRefused(context, 'QUERY_TOO_COMPLEX');
        },

        async didResolveOperation({ contextValue: context, document, operation, schema, request }) {
          if (!operation) {
            throw policyError('BAD_USER_INPUT', request.operationName === undefined
              ? 'the document defines several operations: name the one to run with operationName'
              : 'operationName names no operation in the document', 400);
          }
          if (operation.operation === 'subscription') throw policyError('BAD_USER_INPUT', 'subscriptions are not supported: send queries and mutations over HTTP', 400);
          // limits that depend on the request, before anything reads the variables
          const variables = checkVariables(request.variables, limits);
          if (variables) throw refuse(context, variables);
          variablesBounded = true;
          const plan = planOf(schema, document, operation);
          const cost = evaluateCost(plan.cost, request.variables);
          if (cost > limits.cost) throw refuse(context, new LimitExceeded('cost', limits.cost, `the estimated cost ${cost}`));
          // analyse
          const model = deps.model();
          const analysis = plan.analysis ??= analyseOperation(schema, document, operation, model);
          context.analysis = analysis;
          if (analysis.introspectionOnly) { clear(context, operation); return; }
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
            // Each refused field says why: no grant (apply for it), or a grant for another purpose (state that one, or apply).
            const list = decision.denied.map((d) => `${d.coordinate} (apply for resource ${d.resource} at provider ${d.provider}: ${d.reason})`).join('; ');
            throw refuse(context, policyError('SHARE_DENIED',
              `access refused: ${list}. Apply with applyForAccess, stating your purpose.`, 403, { denied: decision.denied }));
          }
          if (decision.kind === 'purpose-required') {
            throw refuse(context, policyError('PURPOSE_REQUIRED',
              `${decision.coordinates.join(', ')} ${decision.coordinates.length > 1 ? 'are' : 'is'} CONDITIONAL: state the purpose of use in the X-Share-Purpose header (percent-encoded UTF-8) or extensions.purpose`, 400));
          }
          context.readable = decision.readable;
          context.raw = decision.raw;
          clear(context, operation);
        },

        async willSendResponse({ contextValue: context, response, request, operationName, operation }) {
          if (response.body.kind !== 'single') return;
          const body = response.body;
          // Apollo answers a refused persisted query with HTTP 200; it is the client's error.
          if (clientError) response.http.status = 400;
          // graphql-js reports the token limit as a plain syntax error: give it its §8 code.
          if (refusal && !context.analysis && body.singleResult.errors?.some((e) => e.extensions?.code === 'GRAPHQL_PARSE_FAILED')) {
            body.singleResult = { errors: [formatLimit(refusal)] };
            response.http.status = 400;
          }
          const analysis = context.analysis;
          // Parse and validation failures touch no data; introspection reads only the schema. Every
          // refusal after authentication is recorded, analysed or not.
          if (context.decision !== 'DENIED' && (!analysis || analysis.introspectionOnly)) return;
          const data = body.singleResult.data as Record<string, unknown> | null | undefined;
          // mask
          const masked = data && analysis ? applyMasks(data, analysis.maskPlan, context.raw ?? new Set()) : new Set<string>();
          // audit: no data leaves without its record, and no refusal goes unrecorded
          const entry = auditEntryFor({
            context, model: deps.model(), auditKey: deps.auditKey, query: request.query ?? '',
            // A document refused in validation resolved no operation yet: record the name the client gave.
            operationName: operationName ?? request.operationName ?? null,
            variables: variablesBounded ? declaredVariables(operation, request.variables) : null,
            maskedFields: masked, now: deps.now(),
          });
          try {
            await deps.audit.append(entry);
          } catch {
            // A refusal carries no data: its own error says more than the audit outage does.
            if (context.decision === 'DENIED') return;
            body.singleResult = { errors: [{ message: 'the audit log cannot be written: no data is served without its audit record', extensions: { code: 'AUDIT_UNAVAILABLE' } }] };
            response.http.status = 503;
            return;
          }
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
  const limited = errors?.filter((e) => e.extensions?.code === 'RATE_LIMITED');
  if (!limited?.length) return;
  const wait = Math.max(1, ...limited.map((e) => Number(e.extensions?.retryAfter) || 0));
  http.status = 429;
  http.headers.set('retry-after', String(Math.min(wait, 86_400)));
}

function clear(context: GatewayContext, operation: OperationDefinitionNode): void {
  context.decision = 'ALLOWED';
  context.cleared = operation;
}

function markRefused(context: GatewayContext, code: string): void {
  context.decision = 'DENIED';
  context.errorCode = code;
}

function refuse(context: GatewayContext, error: GraphQLError): GraphQLError {
  markRefused(context, String(error.extensions.code));
  return error;
}
