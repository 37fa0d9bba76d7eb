import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, govshareError } from '../../../protocol/errors.ts';
import type { GatewayContext } from '../../execution/context.ts';
import { evaluateCost } from '../cost.ts';
import { formatLimit, limitRefusalOf } from '../error-scrubbing.ts';
import { LimitExceeded, type RequestLimits } from '../limits.ts';
import { tooManyTokens } from '../tokens.ts';
import { checkVariables } from '../variables.ts';
import type { OperationPlans } from './operation-plans.ts';
import { markRefused, refuse } from './refusal.ts';

/**
 * limits (CONTRACT §8): tokens at parsing and the document limits in validation are Apollo's and
 * graphql-armor's (`validation-rules.ts`); here the operation must be one query or mutation, its
 * variables within bounds and its estimated cost under the limit, before any stage reads them.
 * A refusal found in parsing or validation gets its §8 code on the way out.
 */
export function limitsStage(limits: RequestLimits, planOf: OperationPlans): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      // `operationName: ""` (or `&operationName=`) names no operation: Apollo would resolve none and
      // the gateway would still execute the document. Empty means absent.
      if (request.operationName === '') delete request.operationName;
      // A limit refused before the policy stages (tokens at parsing, document limits in validation).
      let refusal: LimitExceeded | null = null;
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
          if (refusal && !context.decision) markRefused(context, ErrorCode.QUERY_TOO_COMPLEX);
        },

        // Synchronous to its end: the analysis and authorisation stages' hooks start after it (Apollo
        // invokes listeners in plugin order) and run only once it let the operation through.
        async didResolveOperation({ contextValue: context, document, operation, schema, request }) {
          if (!operation) {
            throw govshareError(ErrorCode.BAD_USER_INPUT, request.operationName === undefined
              ? 'the document defines several operations: name the one to run with operationName'
              : 'operationName names no operation in the document');
          }
          if (operation.operation === 'subscription') throw govshareError(ErrorCode.BAD_USER_INPUT, 'subscriptions are not supported: send queries and mutations over HTTP');
          const variables = checkVariables(request.variables, limits);
          if (variables) throw refuse(context, variables);
          // The variables passed the §8 limits: only from here are they digested (audit).
          context.variablesBounded = true;
          const cost = evaluateCost(planOf(schema, document, operation).cost, request.variables);
          if (cost > limits.cost) throw refuse(context, new LimitExceeded('cost', limits.cost, `the estimated cost ${cost}`));
          context.withinLimits = true;
        },

        async willSendResponse({ contextValue: context, response }) {
          if (response.body.kind !== 'single') return;
          const body = response.body;
          // Apollo answers a refused persisted query with HTTP 200; it is the client's error.
          if (clientError) response.http.status = 400;
          // graphql-js reports the token limit as a plain syntax error: give it its §8 code.
          if (refusal && !context.analysis && body.singleResult.errors?.some((e) => e.extensions?.code === ErrorCode.GRAPHQL_PARSE_FAILED)) {
            body.singleResult = { errors: [formatLimit(refusal)] };
            response.http.status = 400;
          }
        },
      };
    },
  };
}
