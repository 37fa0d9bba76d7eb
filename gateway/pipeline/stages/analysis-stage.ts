import type { ApolloServerPlugin } from '@apollo/server';
import type { PolicyModel } from '../../../schema/policy-model.ts';
import type { GatewayContext } from '../../execution/context.ts';
import { analyseOperation } from '../analyse.ts';
import type { OperationPlans } from './operation-plans.ts';
import { clear } from './refusal.ts';

/**
 * analyse: which coordinates, resources and masks the operation touches (`analyse.ts`), once per
 * document and schema. Introspection reads only the schema and is cleared here.
 */
export function analysisStage(model: () => PolicyModel, planOf: OperationPlans): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        // Synchronous: authorisation's hook, invoked after this one, finds the analysis in place.
        async didResolveOperation({ contextValue: context, document, operation, schema }) {
          if (!operation || !context.withinLimits) return;
          const plan = planOf(schema, document, operation);
          const analysis = plan.analysis ??= analyseOperation(schema, document, operation, model());
          context.analysis = analysis;
          if (analysis.introspectionOnly) clear(context, operation);
        },
      };
    },
  };
}
