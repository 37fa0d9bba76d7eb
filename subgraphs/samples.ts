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

/** A sample, or a provider subgraph scaffolded with `npm run new-subgraph` into `subgraphs/<name>/`. */
export async function loadSubgraph(name: string): Promise<SubgraphDefinition<unknown>> {
  const sample = SAMPLE_SUBGRAPHS.find((d) => d.name === name);
  if (sample) return sample;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`"${name}" is not a subgraph name`);
  try {
    return (await import(new URL(`./${name}/index.ts`, import.meta.url).href)).default as SubgraphDefinition<unknown>;
  } catch {
    throw new Error(`unknown subgraph "${name}": neither a sample (${SAMPLE_SUBGRAPHS.map((d) => d.name).join(', ')}) nor a folder subgraphs/${name}/`);
  }
}
