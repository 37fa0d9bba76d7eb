import type { SubgraphEndpoint } from '../config.ts';

export class SubgraphUnreachableError extends Error {
  constructor(readonly subgraph: string, readonly url: string, reason: string) {
    super(`subgraph "${subgraph}" at ${url} is unreachable: ${reason}`);
  }
}

/** Extra headers for a gateway → subgraph call (the signature, once identity is in place). */
export type SubgraphRequestSigner = (subgraph: string, body: string) => Promise<Record<string, string>> | Record<string, string>;

const SDL_QUERY = JSON.stringify({ query: '{ _service { sdl } }' });

/** Asks a Federation 2 subgraph for its SDL (`_service { sdl }`). */
export async function fetchSubgraphSdl(
  endpoint: SubgraphEndpoint, sign: SubgraphRequestSigner, timeoutMs = 5000,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sign(endpoint.name, SDL_QUERY)) },
      body: SDL_QUERY,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new SubgraphUnreachableError(endpoint.name, endpoint.url, cause ?? (error as Error).message);
  }
  const text = await response.text();
  if (!response.ok) throw new SubgraphUnreachableError(endpoint.name, endpoint.url, `HTTP ${response.status}: ${text.slice(0, 200)}`);
  let sdl: unknown;
  try {
    sdl = (JSON.parse(text) as { data?: { _service?: { sdl?: unknown } } }).data?._service?.sdl;
  } catch {
    throw new SubgraphUnreachableError(endpoint.name, endpoint.url, 'answer is not JSON');
  }
  if (typeof sdl !== 'string') throw new SubgraphUnreachableError(endpoint.name, endpoint.url, 'no _service.sdl in the answer (not a Federation 2 subgraph?)');
  return sdl;
}
