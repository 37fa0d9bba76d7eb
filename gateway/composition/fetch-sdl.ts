import type { SubgraphEndpoint } from '../config.ts';

/**
 * The SDL could not be fetched. The message names the subgraph and, where there was an answer, its
 * HTTP status — never the URL, a network error text (they carry internal addresses) or the body that
 * came back: publishing answers with this text to a caller who chose the URL, so anything else would
 * turn the gateway into a way to read internal services.
 */
export class SubgraphUnreachableError extends Error {
  override name = 'SubgraphUnreachableError';
  constructor(readonly subgraph: string, readonly url: string, readonly publicReason: string, readonly status: number | null = null, options?: ErrorOptions) {
    super(publicReason, options);
  }
}

/** Extra headers for a gateway → subgraph call (the signature, once identity is in place). */
export type SubgraphRequestSigner = (subgraph: string, body: string) => Promise<Record<string, string>> | Record<string, string>;

const SDL_QUERY = JSON.stringify({ query: '{ _service { sdl } }' });
/** Far above any real SDL; a bigger answer is not read to its end. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Asks a Federation 2 subgraph for its SDL (`_service { sdl }`). */
export async function fetchSubgraphSdl(
  endpoint: SubgraphEndpoint, sign: SubgraphRequestSigner, timeoutMs = 5000,
): Promise<string> {
  const unreachable = (reason: string, status: number | null = null, cause?: unknown) =>
    new SubgraphUnreachableError(endpoint.name, endpoint.url, `subgraph "${endpoint.name}" ${reason}`, status, cause === undefined ? undefined : { cause });
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sign(endpoint.name, SDL_QUERY)) },
      body: SDL_QUERY,
      // A redirect would carry the signature to wherever the answer points.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unreachable('could not be reached', null, error);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw unreachable(`answered HTTP ${response.status}`, response.status);
  }
  const text = await readAtMost(response, MAX_ANSWER_BYTES).catch(() => null);
  if (text === null) throw unreachable(`answered HTTP ${response.status} with an answer that could not be read or exceeds ${MAX_ANSWER_BYTES} bytes`, response.status);
  let sdl: unknown;
  try {
    sdl = (JSON.parse(text) as { data?: { _service?: { sdl?: unknown } } }).data?._service?.sdl;
  } catch {
    throw unreachable(`answered HTTP ${response.status} with a body that is not JSON`, response.status);
  }
  if (typeof sdl !== 'string') throw unreachable(`answered HTTP ${response.status} without _service.sdl (not a Federation 2 subgraph?)`, response.status);
  return sdl;
}

async function readAtMost(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) { await reader.cancel(); return null; }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
