import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../execution/context.ts';
import { applyMasks } from '../mask.ts';

/**
 * mask: desensitises every masked coordinate wherever its value appears in the answer (CONTRACT §3
 * rule 6, §4), unless the caller's grant for it is raw. Synchronous, so that the audit stage, invoked
 * after it, records exactly what was masked.
 */
export function maskingStage(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context, response }) {
          if (response.body.kind !== 'single') return;
          const analysis = context.analysis;
          const data = response.body.singleResult.data as Record<string, unknown> | null | undefined;
          if (!data || !analysis || analysis.introspectionOnly) return;
          context.maskedFields = applyMasks(data, analysis.maskPlan, context.raw ?? new Set());
        },
      };
    },
  };
}
