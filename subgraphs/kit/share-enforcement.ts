import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import mercurius from 'mercurius';
import mercuriusAuth from 'mercurius-auth';
import type { GraphQLResolveInfo } from 'graphql';
import type { SignatureClaims } from '../../protocol/gateway-signature.ts';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { ErrorCode } from '../../protocol/errors.ts';

interface AuthContext { readable: ReadonlySet<string> }
interface FieldRule { coordinate: string; shareType: 'CONDITIONAL' | 'NONE' }

/**
 * The fields the subgraph must check itself: CONDITIONAL fields it owns that decide access, and every
 * NONE field. UNCONDITIONAL fields need no check, and a value type's CONDITIONAL fields are reached only
 * through the field that leads to them, which is checked — so a list of 10,000 comparison results costs one check, not
 * 50,000 (each check is an extra async resolver in mercurius-auth).
 */
export function enforcedFields(model: PolicyModel, subgraph: string): Record<string, Record<string, FieldRule>> {
  const policy: Record<string, Record<string, FieldRule>> = {};
  for (const field of model.fields.values()) {
    if (field.subgraph !== subgraph || field.shareType === 'UNCONDITIONAL') continue;
    // NONE is refused wherever it stands; a CONDITIONAL value-type field is covered by its leading field.
    if (field.onValueType && field.shareType === 'CONDITIONAL') continue;
    (policy[field.typeName] ??= {})[field.fieldName] = { coordinate: field.coordinate, shareType: field.shareType };
  }
  return policy;
}

/**
 * Defence in depth: the provider enforces `@share` itself on the identity the gateway signed.
 * CONDITIONAL passes only for coordinates the gateway vouches for (`fld`), NONE never — so a
 * misconfigured gateway still cannot make the provider hand them out. Registered after mercurius,
 * in the same encapsulation context.
 */
export const shareEnforcement = fp<{ subgraph: string; model: PolicyModel }>(async (app, { subgraph, model }) => {
  const policy = enforcedFields(model, subgraph);
  if (Object.keys(policy).length === 0) return;
  // The package's typings describe an ESM default its CommonJS export does not have under NodeNext.
  await app.register(mercuriusAuth as unknown as FastifyPluginAsync<Record<string, unknown>>, {
    mode: 'external',
    policy,
    authContext: (context: { reply: { request: { gatewayClaims?: SignatureClaims } } }) =>
      ({ readable: new Set(context.reply.request.gatewayClaims?.fld ?? []) }) satisfies AuthContext,
    applyPolicy: async (rule: FieldRule, _parent: unknown, _args: unknown, context: { auth?: AuthContext }, _info: GraphQLResolveInfo) => {
      if (rule.shareType === 'CONDITIONAL' && context.auth?.readable.has(rule.coordinate)) return true;
      // 200, not mercurius-auth's default 500: the gateway then passes a clear code on.
      return new mercurius.ErrorWithProps(
        rule.shareType === 'NONE'
          ? `${rule.coordinate} is not shared by subgraph "${subgraph}"`
          : `${rule.coordinate} is CONDITIONAL: the gateway did not vouch for a grant`,
        { code: ErrorCode.SHARE_DENIED, coordinate: rule.coordinate }, 200);
    },
  });
});
