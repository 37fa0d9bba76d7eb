import { GraphQLError, Kind, parse, visit, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ErrorCode, UNCATALOGUED_FAILURE, fieldError, isErrorCode } from '../../protocol/errors.ts';
import { LimitExceeded, type RequestLimits } from './limits.ts';

/** Apollo Server's own codes for a request it could not take (bad body, GET mutation, APQ, no such operation). */
const APOLLO_CLIENT_CODES: ReadonlySet<string> = new Set([
  'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
]);

/** Codes a provider's subgraph may pass on to the consumer: refusals of the request, not failures. */
const PROVIDER_REFUSALS: ReadonlySet<string> = new Set<ErrorCode>([
  ErrorCode.BAD_USER_INPUT, ErrorCode.SHARE_DENIED, ErrorCode.FORBIDDEN, ErrorCode.RATE_LIMITED, ErrorCode.PURPOSE_REQUIRED,
]);

/**
 * A limit refusal, however Apollo wrapped it: our own `LimitExceeded` behind a validation or syntax
 * error, or Apollo's `maxRecursiveSelections` rule (the §8 field-selection count).
 */
export function limitRefusalOf(error: unknown, limits: RequestLimits): LimitExceeded | null {
  if (error instanceof LimitExceeded) return error;
  if (!(error instanceof GraphQLError)) return null;
  if (error.originalError instanceof LimitExceeded) return error.originalError;
  if (error.extensions.validationErrorCode === 'MAX_RECURSIVE_SELECTIONS_EXCEEDED') {
    return new LimitExceeded('fieldSelections', limits.fieldSelections, 'the number of field selections once fragments are expanded');
  }
  return null;
}

export function formatLimit(limit: LimitExceeded): GraphQLFormattedError {
  return { message: limit.message, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: limit.limit, value: limit.value } };
}

/**
 * Apollo Server's `formatError`: the last word on what a consumer reads. Limit refusals get their
 * §8 code back from Apollo's validation/syntax wrappers; Apollo's request errors become
 * BAD_USER_INPUT; anything whose code is not in the §8 catalogue is an internal failure whose text
 * (a stack message, a socket error naming a host and port) says nothing the consumer may act on, and
 * is answered with the catalogue's code for a failure that is nobody's request.
 */
export function gatewayErrorFormatter(limits: RequestLimits) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const limit = limitRefusalOf(error, limits);
    if (limit) return formatLimit(limit);
    const code = String(formatted.extensions?.code ?? '');
    if (APOLLO_CLIENT_CODES.has(code)) return { message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    if (isErrorCode(code)) return formatted;
    return {
      message: 'internal error: the gateway could not complete this request',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: UNCATALOGUED_FAILURE },
    };
  };
}

/**
 * Wraps the data source of one remote subgraph (CONTRACT §3 rule 6, §8). What a provider answers
 * never reaches the consumer as text: a failed call (refused connection, timeout, non-JSON, HTTP
 * error) becomes SUBGRAPH_UNREACHABLE naming the provider, never a host or port; each GraphQL error
 * it returns keeps only a refusal code it may pass on, and a message the gateway writes naming the
 * provider and the path. Paths keep only indices and names that occur in the gateway's own call, so
 * no value rides along in them either.
 */
// Apollo's GraphQLDataSource<TContext extends Record<string, any>>: the same bound.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function guardedSubgraph<T extends Record<string, any>>(
  inner: GraphQLDataSource<T>, subgraph: string, provider: () => string | null,
): GraphQLDataSource<T> {
  const namesByDocument = new WeakMap<DocumentNode, ReadonlySet<string>>();
  const namesIn = (document: DocumentNode | undefined): ReadonlySet<string> => {
    if (!document) return new Set();
    let names = namesByDocument.get(document);
    if (!names) {
      const found = new Set<string>(['_entities']);
      visit(document, { [Kind.FIELD]: (node) => { found.add(node.name.value); if (node.alias) found.add(node.alias.value); } });
      namesByDocument.set(document, names = found);
    }
    return names;
  };
  // Where the call sits in the consumer's response (its own response keys), and whose it is.
  const origin = (options: GraphQLDataSourceProcessOptions<T>) => ({
    who: provider() ?? subgraph,
    where: 'pathInIncomingRequest' in options && options.pathInIncomingRequest
      ? options.pathInIncomingRequest.filter((p) => typeof p === 'string' && p !== '@') as string[] : [],
  });
  return {
    async process(options: GraphQLDataSourceProcessOptions<T>): Promise<GatewayGraphQLResponse> {
      let response: GatewayGraphQLResponse;
      try {
        response = await inner.process(options);
        if (!response.errors?.length) return response;
      } catch {
        const { who, where } = origin(options);
        return { errors: [fieldError(ErrorCode.SUBGRAPH_UNREACHABLE, `the provider ${who} could not be reached${describe(where)}`, { provider: who, subgraph })] };
      }
      const { who, where } = origin(options);
      // Only on the error path: the planner's own call, parsed when Apollo did not hand it over.
      const names = namesIn(('document' in options ? options.document : undefined) ?? parsed(options.request.query));
      return {
        ...response,
        errors: response.errors.map((error) => {
          const path = safePath(error.path, names);
          const full = [...where, ...(path ?? []).filter((p): p is string => typeof p === 'string' && p !== '_entities')];
          const sent = String(error.extensions?.code ?? '');
          const code = PROVIDER_REFUSALS.has(sent) ? sent : ErrorCode.SUBGRAPH_UNREACHABLE;
          const detail = code === ErrorCode.SUBGRAPH_UNREACHABLE ? {} : refusalDetail(error.extensions);
          const message = code === ErrorCode.SUBGRAPH_UNREACHABLE
            ? `the provider ${who} could not serve${describe(full)}`
            : `the provider ${who} refused${describe(full)}: ${code}${detail.reason ? ` (${detail.reason})` : ''}${detail.retryAfter !== undefined ? `, retry in ${detail.retryAfter} s` : ''}`;
          return new GraphQLError(message, { ...(path ? { path } : {}), extensions: { code, provider: who, subgraph, ...detail } });
        }),
      };
    },
  };
}

/**
 * What a refusal may say beyond its code, in shapes that cannot carry a data value: a reason that is
 * an upper-case token (`UNKNOWN_KEY_BUDGET`: no digits, no Chinese text) and a wait of at most a day.
 */
function refusalDetail(extensions: Record<string, unknown> | undefined): { reason?: string; retryAfter?: number } {
  const detail: { reason?: string; retryAfter?: number } = {};
  const reason = extensions?.reason;
  if (typeof reason === 'string' && /^[A-Z][A-Z_]{0,39}$/.test(reason)) detail.reason = reason;
  const retryAfter = extensions?.retryAfter;
  if (typeof retryAfter === 'number' && Number.isInteger(retryAfter) && retryAfter >= 0 && retryAfter <= 86_400) detail.retryAfter = retryAfter;
  return detail;
}

function parsed(query: string | undefined): DocumentNode | undefined {
  try { return query ? parse(query) : undefined; } catch { return undefined; }
}

function describe(path: readonly string[]): string {
  return path.length > 0 ? ` ${path.join('.')}` : ' this request';
}

function safePath(path: readonly unknown[] | undefined, names: ReadonlySet<string>): Array<string | number> | undefined {
  if (!Array.isArray(path)) return undefined;
  for (const p of path) {
    if (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0) continue;
    if (typeof p === 'string' && names.has(p)) continue;
    return undefined;
  }
  return path as Array<string | number>;
}

/**
 * @apollo/gateway reports values that do not fit the schema (a null for a non-null field, an enum
 * or scalar it cannot serialise) in `extensions.valueCompletion`, with messages that quote the value.
 * Keeps the paths (the consumer's own response keys), replaces the messages.
 */
export function scrubValueCompletion<R extends { extensions?: Record<string, unknown> | undefined }>(result: R): R {
  const entries = result.extensions?.valueCompletion;
  if (!Array.isArray(entries)) return result;
  return {
    ...result,
    extensions: {
      ...result.extensions,
      valueCompletion: entries.map((entry: { path?: unknown }) => {
        const path = Array.isArray(entry?.path) ? entry.path.filter((p) => typeof p === 'string' || typeof p === 'number') : [];
        return { message: `the value at ${path.join('.') || 'the root'} does not fit the schema and was withheld`, path };
      }),
    },
  };
}
