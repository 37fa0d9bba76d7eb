import type { SubgraphDefinition } from './kit/index.ts';
import population from './population/index.ts';
import legalEntity from './legal-entity/index.ts';
import eLicense from './e-license/index.ts';
import credit from './credit/index.ts';
import housing from './housing/index.ts';
import socialSecurity from './social-security/index.ts';
import civilAffairs from './civil-affairs/index.ts';

/** The seven sample provider subgraphs of CONTRACT §5, in port order. */
export const SAMPLE_SUBGRAPHS: readonly SubgraphDefinition<unknown>[] = [
  population, legalEntity, eLicense, credit, housing, socialSecurity, civilAffairs,
] as SubgraphDefinition<unknown>[];

export function sampleSubgraph(name: string): SubgraphDefinition<unknown> {
  const found = SAMPLE_SUBGRAPHS.find((d) => d.name === name);
  if (!found) throw new Error(`unknown subgraph "${name}"; the samples are ${SAMPLE_SUBGRAPHS.map((d) => d.name).join(', ')}`);
  return found;
}
