import type { ApolloServerPlugin } from '@apollo/server';
import type { PolicyModel } from '../../../schema/policy-model.ts';
import type { GatewayContext } from '../../execution/context.ts';
import { PLATFORM_RESOURCE } from '../../platform/catalog.ts';
import type { OperationAnalysis } from '../analyse.ts';
import { collectSubjects } from '../subject-keys.ts';

const readsProviderData = new WeakMap<OperationAnalysis, boolean>();

/**
 * subjects: whose records the answer read (`subject-keys.ts`), for the audit's subject index (recall
 * notices, subject access logs). Runs before mask — it reads keys such as ID numbers that masking then
 * hides — and synchronously, so the audit stage after it finds the result in the context. Only cleared
 * operations that read some provider's data are walked; the platform's own API reads no one's record.
 */
export function subjectsStage(model: () => PolicyModel): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context, response, document, operation, schema, request }) {
          if (response.body.kind !== 'single' || context.decision !== 'ALLOWED') return;
          const analysis = context.analysis;
          const data = response.body.singleResult.data as Record<string, unknown> | null | undefined;
          if (!data || !analysis || analysis.introspectionOnly || !operation || !document) return;
          const current = model();
          let providerData = readsProviderData.get(analysis);
          if (providerData === undefined) {
            providerData = [...analysis.coordinates].some((c) => { const p = current.fields.get(c); return p !== undefined && p.resource !== PLATFORM_RESOURCE; });
            readsProviderData.set(analysis, providerData);
          }
          if (!providerData) return;
          context.subjects = collectSubjects({
            schema, document, operation, model: current, data, variables: request.variables, reads: analysis.coordinates,
            ...(context.entityFetches ? { fetches: context.entityFetches } : {}),
          });
        },
      };
    },
  };
}
