import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import mercurius from 'mercurius';
import mercuriusAuth from 'mercurius-auth';
import { valueFromASTUntyped, type DirectiveNode, type GraphQLResolveInfo } from 'graphql';
import type { SignatureClaims } from '../../schema/gateway-signature.ts';

interface AuthContext { claims?: SignatureClaims; readable: ReadonlySet<string> }

const shareTypes = new WeakMap<DirectiveNode, string>();

function shareTypeOf(directive: DirectiveNode): string {
  let type = shareTypes.get(directive);
  if (type === undefined) {
    const arg = directive.arguments?.find((a) => a.name.value === 'type');
    type = arg ? String(valueFromASTUntyped(arg.value)) : 'NONE';
    shareTypes.set(directive, type);
  }
  return type;
}

/**
 * Defence in depth: the provider enforces `@share` itself on the identity the gateway signed.
 * UNCONDITIONAL passes, CONDITIONAL only for coordinates the gateway says the caller may read,
 * NONE never — so a misconfigured gateway still cannot make the provider hand them out.
 * Registered after mercurius, in the same encapsulation context.
 */
export const shareEnforcement = fp<{ subgraph: string }>(async (app, { subgraph }) => {
  // The package's typings describe an ESM default its CommonJS export does not have under NodeNext.
  await app.register(mercuriusAuth as unknown as FastifyPluginAsync<Record<string, unknown>>, {
    authDirective: 'share',
    authContext: (context: { reply: { request: { gatewayClaims?: SignatureClaims } } }) => {
      const claims = context.reply.request.gatewayClaims;
      return { claims, readable: new Set(claims?.fld ?? []) } satisfies AuthContext;
    },
    applyPolicy: async (policy: DirectiveNode, _parent: unknown, _args: unknown, context: { auth?: AuthContext }, info: GraphQLResolveInfo) => {
      const type = shareTypeOf(policy);
      if (type === 'UNCONDITIONAL') return true;
      const coordinate = `${info.parentType.name}.${info.fieldName}`;
      if (type === 'CONDITIONAL' && context.auth?.readable.has(coordinate)) return true;
      // 200, not mercurius-auth's default 500: the gateway then passes a clear code on.
      return new mercurius.ErrorWithProps(
        type === 'NONE'
          ? `${coordinate} is not shared by subgraph "${subgraph}"`
          : `${coordinate} is CONDITIONAL: the gateway did not vouch for a grant`,
        { code: 'SHARE_DENIED', coordinate }, 200);
    },
  });
});
