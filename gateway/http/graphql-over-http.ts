import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../../protocol/errors.ts';

/**
 * The GraphQL-over-HTTP spec's two response media types and the status rules that differ between
 * them. Under `application/json` a well-formed request whose document fails (parse, validation,
 * variable coercion) is answered 200: a 4xx could come from any intermediary, a 200 with `errors` only
 * from a GraphQL server. Under `application/graphql-response+json` such a request is a 400.
 */
export const APPLICATION_JSON = 'application/json';
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export type ResponseMediaType = typeof APPLICATION_JSON | typeof GRAPHQL_RESPONSE_JSON;

const CANDIDATES: readonly ResponseMediaType[] = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON];

/**
 * The media type to answer in, from the request's `Accept`: none or an empty one is
 * `application/json` (the spec's default for legacy clients); otherwise the acceptable candidate with
 * the highest q, ties going to the more specific range, then to the range named first, then to
 * `application/json` — the order Apollo Server's negotiator uses. `null`: neither is acceptable (406).
 * Range parameters other than q (`; charset=utf-8`) do not stop a match.
 */
export function responseMediaType(accept: string | undefined): ResponseMediaType | null {
  if (accept === undefined || accept.trim() === '') return APPLICATION_JSON;
  const ranges = accept.split(',').map((part, order) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    const [type = '', subtype = ''] = range.split('/');
    return { type, subtype, q: Number.isFinite(quality) ? Math.min(Math.max(quality, 0), 1) : 0, order };
  });
  let best: { candidate: ResponseMediaType; q: number; specificity: number; order: number } | null = null;
  for (const candidate of CANDIDATES) {
    const [type, subtype] = candidate.split('/');
    let match: { q: number; specificity: number; order: number } | null = null;
    for (const range of ranges) {
      const specificity = range.type === type && range.subtype === subtype ? 2
        : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
      // The most specific range naming the candidate decides its q (`*/*;q=1, application/json;q=0` refuses JSON).
      if (specificity >= 0 && (!match || specificity > match.specificity)) match = { q: range.q, specificity, order: range.order };
    }
    if (!match || match.q <= 0) continue;
    if (!best || match.q > best.q || (match.q === best.q && (match.specificity > best.specificity
      || (match.specificity === best.specificity && match.order < best.order)))) best = { candidate, ...match };
  }
  return best?.candidate ?? null;
}

/** Codes of a failed document: Apollo's parse and validation errors (limits are QUERY_TOO_COMPLEX by then). */
const DOCUMENT_FAILURES: ReadonlySet<string> = new Set<ErrorCode>([ErrorCode.GRAPHQL_PARSE_FAILED, ErrorCode.GRAPHQL_VALIDATION_FAILED]);

/**
 * Answers 200 instead of 400, under `application/json` only, when everything that went wrong is the
 * document: it did not parse, did not validate, or its variables did not coerce (Apollo's own 400
 * for a result with errors and no `data`). Every other 4xx keeps its status: QUERY_TOO_COMPLEX,
 * an unknown or missing operation, persisted queries (CONTRACT §8: HTTP 400), SHARE_DENIED,
 * PURPOSE_REQUIRED and the policy stage's other refusals. Reads the final, formatted errors, so a
 * stage that replaced the body (a token limit becomes QUERY_TOO_COMPLEX) is judged by what it wrote.
 * Expects the route to have passed the negotiated media type as `Accept`.
 */
export function documentFailureStatus<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.headers.get('accept') !== APPLICATION_JSON) return;
      return {
        async willSendResponse({ response, errors }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const formatted = result.errors ?? [];
          if (formatted.length === 0 || !errors || errors.length !== formatted.length) return;
          const documentFailed = formatted.every((error, i) => {
            const code = String(error.extensions?.code ?? '');
            if (DOCUMENT_FAILURES.has(code)) return true;
            // Variable coercion: Apollo's BAD_USER_INPUT with no status of its own and no data. The
            // policy stage's BAD_USER_INPUT refusals carry `http.status`; Apollo's request errors
            // (BAD_REQUEST, OPERATION_RESOLUTION_FAILURE, PERSISTED_QUERY_*) have other raw codes.
            const raw = errors[i]!;
            return code === ErrorCode.BAD_USER_INPUT && raw.extensions.code === ErrorCode.BAD_USER_INPUT && raw.extensions.http === undefined && !('data' in result && result.data !== undefined);
          });
          if (documentFailed) response.http.status = 200;
        },
      };
    },
  };
}
