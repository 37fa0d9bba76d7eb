import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, govshareError } from '../../../protocol/errors.ts';
import type { PolicyModel } from '../../../schema/policy-model.ts';
import type { GatewayContext } from '../../execution/context.ts';
import { exclusiveRoleOf, rootFieldsRefused } from '../../platform/roles.ts';
import { PolicyUnavailableError, type GrantCache } from '../../state/grant-cache.ts';
import { authorise, needsGrants } from '../authorise.ts';
import { embargoOf } from '../embargo.ts';
import { clear, refuse } from './refusal.ts';

/**
 * authorise: every CONDITIONAL coordinate needs a grant of the caller's for this purpose (CONTRACT §3,
 * §6), before any subgraph is called; grants that cannot be read refuse rather than serve unchecked.
 * Clears the operation for the executor, with what the subgraphs may serve (`readable`) and which
 * masks the caller's raw grants lift (`raw`).
 */
export function authorisationStage(model: () => PolicyModel, grants: GrantCache, now: () => Date): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: context, operation }) {
          const analysis = context.analysis;
          if (!operation || !analysis || analysis.introspectionOnly) return;
          const current = model();
          // GB/T 39477 §6.2: an auditor's or a security admin's token asks for nothing but its own operations
          // (no provider's data, no workflow, no publishing), refused before grants are read or anything runs.
          const refused = rootFieldsRefused(context.caller, [...analysis.coordinates].filter((c) => current.fields.get(c)?.root));
          if (refused.length > 0) {
            throw refuse(context, govshareError(ErrorCode.FORBIDDEN,
              `the ${exclusiveRoleOf(context.caller)} role may not ask for ${refused.join(', ')} (GB/T 39477 role separation: it reads ${exclusiveRoleOf(context.caller) === 'auditor' ? 'the audit log' : 'who it is'} and the catalog only)`));
          }
          let held: Awaited<ReturnType<GrantCache['grantsOf']>> = [];
          if (needsGrants(analysis, current)) {
            try {
              held = await grants.grantsOf(context.caller.department);
            } catch (error) {
              if (!(error instanceof PolicyUnavailableError)) throw error;
              throw refuse(context, govshareError(ErrorCode.POLICY_UNAVAILABLE, 'grants cannot be read right now: CONDITIONAL data is refused, never served unchecked'));
            }
          }
          const decision = authorise(analysis, current, context.caller.department, context.caller.purpose, held, now());
          if (decision.kind === 'denied') {
            // Each refused field says why: no grant (apply for it), or a grant for another purpose (state that one, or apply).
            const list = decision.denied.map((d) => `${d.coordinate} (apply for resource ${d.resource} at provider ${d.provider}: ${d.reason})`).join('; ');
            throw refuse(context, govshareError(ErrorCode.SHARE_DENIED,
              `access refused: ${list}. Apply with applyForAccess, stating your purpose.`, { denied: decision.denied }));
          }
          if (decision.kind === 'purpose-required') {
            throw refuse(context, govshareError(ErrorCode.PURPOSE_REQUIRED,
              `${decision.coordinates.join(', ')} ${decision.coordinates.length > 1 ? 'are' : 'is'} CONDITIONAL: state the purpose of use in the X-Share-Purpose header (percent-encoded UTF-8) or extensions.purpose`));
          }
          context.readable = decision.readable;
          context.raw = decision.raw;
          context.embargoUntil = embargoOf(held, decision.grantIds);
          clear(context, operation);
        },
      };
    },
  };
}
