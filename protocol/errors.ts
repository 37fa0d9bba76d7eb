import { GraphQLError } from 'graphql';

/**
 * The CONTRACT §8 error catalogue, shared by the gateway and the provider kit: every code a consumer
 * or a publisher may read, the HTTP status a request refused with it is answered with, and what it
 * means. Nothing else spells a code; `tests/error-catalogue.test.ts` compares this table with §8 and
 * fails on a code literal anywhere else in gateway/ or subgraphs/kit/.
 *
 * `status` is the answer to a request refused as a whole (a route, a policy stage). An error of one
 * field during execution (a platform resolver's FORBIDDEN, a provider's BAD_USER_INPUT) carries no
 * status of its own: GraphQL over HTTP answers a result that has `data` with 200.
 */
export const ERROR_CATALOGUE = {
  UNAUTHENTICATED: { status: 401, description: 'no valid bearer token (or, at a subgraph, no valid gateway signature)' },
  FORBIDDEN: { status: 403, description: 'the caller may not do this: only the provider, an admin or the named role may' },
  SHARE_DENIED: { status: 403, description: 'CONDITIONAL fields without an active grant for this purpose; extensions.denied lists them' },
  PURPOSE_REQUIRED: { status: 400, description: 'CONDITIONAL fields asked for without a stated purpose' },
  BAD_USER_INPUT: { status: 400, description: 'the request or its arguments are not acceptable as sent' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, description: 'the document does not fit the caller\'s API schema' },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'the document is not GraphQL' },
  QUERY_TOO_COMPLEX: { status: 400, description: 'depth, aliases, tokens, size or cost over the limits; extensions name the limit and its value' },
  RATE_LIMITED: { status: 429, description: 'too many requests: try again after Retry-After seconds' },
  AUDIT_UNAVAILABLE: { status: 503, description: 'the audit log cannot be written or read: no data is served without its audit record' },
  POLICY_UNAVAILABLE: { status: 503, description: 'grants cannot be read: CONDITIONAL data is refused, never served' },
  UNCLASSIFIED_FIELD: { status: 400, description: 'publishing: a field without @share, or with an unknown share type or mask' },
  INVALID_COMPARE_RESULT: { status: 400, description: 'publishing: a @compare result type has a leaf other than Boolean, Int, Float or an enum' },
  DUPLICATE_OWNER: { status: 400, description: 'publishing: a field resolved by two subgraphs' },
  COMPOSITION_ERROR: { status: 400, description: 'publishing: the supergraph does not compose' },
  SUBGRAPH_UNREACHABLE: { status: 503, description: 'a provider (or the supergraph made of them) could not serve' },
  BREAKING_CHANGE: { status: 400, description: 'publishing: the change removes or narrows what granted consumers use' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes by name (`ErrorCode.SHARE_DENIED`), so a typo is a type error rather than a new code. */
export const ErrorCode = Object.freeze(Object.fromEntries(Object.keys(ERROR_CATALOGUE).map((code) => [code, code]))) as { readonly [C in ErrorCode]: C };

export const ERROR_CODES: ReadonlySet<ErrorCode> = new Set(Object.keys(ERROR_CATALOGUE) as ErrorCode[]);

/**
 * §8 has no code for a failure that is nobody's request: every input gets "one of these codes".
 * What the gateway could not complete is, to the consumer, a part that could not serve.
 */
export const UNCATALOGUED_FAILURE: ErrorCode = ErrorCode.SUBGRAPH_UNREACHABLE;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && ERROR_CODES.has(code as ErrorCode);
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

/** The catalogued code to answer with: the code itself when §8 has it, else `UNCATALOGUED_FAILURE`. */
export function cataloguedCode(code: unknown): ErrorCode {
  return isErrorCode(code) ? code : UNCATALOGUED_FAILURE;
}

export type ErrorExtras = Record<string, unknown>;

/**
 * A request refused as a whole: the code, any extras, and `extensions.http.status` (the catalogue's
 * unless the caller names another, e.g. 405 for an unsupported method) for Apollo to answer with.
 */
export function govshareError(code: ErrorCode, message: string, extra: ErrorExtras = {}, status: number = statusOf(code)): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: { status } } });
}

/** An error of one field during execution: the code and extras, no HTTP status (the result is a 200). */
export function fieldError(code: ErrorCode, message: string, extra: ErrorExtras = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** The field errors resolvers throw most, in gateway and kit alike. */
export const badUserInput = (message: string) => fieldError(ErrorCode.BAD_USER_INPUT, message);
export const forbidden = (message: string) => fieldError(ErrorCode.FORBIDDEN, message);
export const auditUnavailable = (message = 'the audit log cannot be read right now') => fieldError(ErrorCode.AUDIT_UNAVAILABLE, message);

/** The GraphQL-shaped JSON body a route answers with when it refuses before any GraphQL runs. */
export function errorBody(code: ErrorCode, message: string, extra: ErrorExtras = {}) {
  return { errors: [{ message, extensions: { code, ...extra } }] };
}

/**
 * A refusal raised outside GraphQL (authentication, the routes' own checks) and answered by a route
 * as `errorBody` with `status`.
 */
export class RequestRefused extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly status: number = statusOf(code)) { super(message); }
}
