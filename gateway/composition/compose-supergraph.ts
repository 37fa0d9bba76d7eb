import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { analyseSubgraphs, type PolicyMode, type PolicyModel } from '../../schema/policy-model.ts';
import type { CompositionIssue, SubgraphSdl } from '../../schema/policy-types.ts';
import { applySharePolicyToSdl } from './api-schema-transform.ts';
import { ErrorCode } from '../../protocol/errors.ts';

export interface ComposedSupergraph {
  supergraphSdl: string;
  /** Content hash of the supergraph SDL: the version replicas and the registry agree on. */
  version: string;
  model: PolicyModel;
  subgraphs: readonly SubgraphSdl[];
  hints: string[];
}

export type CompositionResult =
  | { ok: true; supergraph: ComposedSupergraph }
  | { ok: false; errors: CompositionIssue[] };

/**
 * Checks CONTRACT §3's rules (as `mode` reads them), then composes with `@apollo/composition`. Pure: the
 * same SDLs give the same supergraph and version.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[], mode: PolicyMode = 'strict'): CompositionResult {
  if (subgraphs.length === 0) return { ok: false, errors: [{ code: ErrorCode.COMPOSITION_ERROR, message: 'no subgraphs to compose' }] };
  const { model, errors } = analyseSubgraphs(subgraphs, mode);
  if (errors.length > 0) return { ok: false, errors };

  const result = composeServices(subgraphs.map((sg) => ({
    name: sg.name,
    url: sg.url ?? `http://${sg.name}.invalid/graphql`,
    typeDefs: applySharePolicyToSdl(parse(sg.sdl), sg.name, model),
  })));
  if (result.errors) {
    return { ok: false, errors: result.errors.map((e) => ({ code: ErrorCode.COMPOSITION_ERROR, message: e.message })) };
  }
  const supergraphSdl = result.supergraphSdl;
  return {
    ok: true,
    supergraph: {
      supergraphSdl,
      version: createHash('sha256').update(supergraphSdl).digest('hex').slice(0, 16),
      model,
      subgraphs,
      hints: result.hints.map((h) => h.message),
    },
  };
}
