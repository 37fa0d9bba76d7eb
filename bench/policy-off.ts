import type { ApolloServerPlugin } from '@apollo/server';
import type { PolicyModel } from '../schema/policy-model.ts';
import type { GatewayContext } from '../gateway/execution/context.ts';
import type { PolicyStageInputs } from '../gateway/plugins/options.ts';

/**
 * The benchmark's "policy off": in place of the policy stages, one plugin that clears every operation
 * and vouches for the CONDITIONAL fields the subgraphs check, so they serve what they are asked. No
 * limits, analysis, authorisation, masking or audit. Lives here, not in gateway/: no deployment can
 * switch its policy off.
 */
export function policyOff({ model }: PolicyStageInputs): ApolloServerPlugin<GatewayContext>[] {
  const vouched = new WeakMap<PolicyModel, string[]>();
  return [{
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const current = model();
          // Only what subgraphs check (CONDITIONAL fields that decide access): every coordinate would
          // make each signature several kilobytes and the baseline slower than the real thing.
          let all = vouched.get(current);
          if (!all) vouched.set(current, all = [...current.fields.values()].filter((f) => f.shareType === 'CONDITIONAL' && !f.onValueType).map((f) => f.coordinate));
          contextValue.readable = all;
          if (operation) contextValue.cleared = operation;
        },
      };
    },
  }];
}
