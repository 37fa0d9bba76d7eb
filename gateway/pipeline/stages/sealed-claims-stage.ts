import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, govshareError } from '../../../protocol/errors.ts';
import { SealedClaimsError } from '../../../protocol/sealed-claims/index.ts';
import type { PolicyModel } from '../../../schema/policy-model.ts';
import type { GatewayContext } from '../../execution/context.ts';
import { sealedBatchesOf } from '../sealed-claims.ts';
import { refuse } from './refusal.ts';

/**
 * sealed claims (README "Sealed comparisons"): a comparison's sealed batch is checked from its metadata
 * alone — request id, key id, keys, count, each ciphertext's length — like the other request limits,
 * before anything is analysed; its count and digest are left for the audit record. A refusal is
 * BAD_USER_INPUT with the protocol's `reason`, and, like a limit, stops the stages after it.
 * Synchronous: analysis and authorisation, invoked after it, find its decision in place.
 */
export function sealedClaimsStage(model: () => PolicyModel): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      return {
        async didResolveOperation({ contextValue: context, document, operation, schema }) {
          if (!operation || !context.withinLimits) return;
          try {
            const batches = sealedBatchesOf(schema, document, operation, model(), request.variables);
            if (batches.length > 0) context.sealedClaims = batches;
          } catch (error) {
            if (!(error instanceof SealedClaimsError)) throw error;
            context.withinLimits = false;
            throw refuse(context, govshareError(ErrorCode.BAD_USER_INPUT, error.message, { reason: error.reason }));
          }
        },
      };
    },
  };
}
