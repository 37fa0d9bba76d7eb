import { GraphQLError } from 'graphql';
import { ErrorCode, statusOf } from '../../protocol/errors.ts';

/**
 * The request limits of CONTRACT §8 (v1.1). One object, read from `GOVSHARE_LIMITS` by the config
 * (`gateway/config.ts`, with `parseLimits`) and handed to the route, Apollo's parser and validation, and the policy plugin.
 */
export interface RequestLimits {
  /** UTF-8 bytes of the query text. */
  documentBytes: number;
  /** Lexical tokens of the document (graphql-js counts them while parsing and stops past the limit). */
  tokens: number;
  depth: number;
  aliases: number;
  directives: number;
  /** Field selections once fragments are expanded, counted without expanding them. */
  fieldSelections: number;
  /** A field costs 1; a list field multiplies what is below it by its expected size. */
  cost: number;
  /** Expected size of a list field that has no list argument naming its keys. */
  listSize: number;
  /** Per-field expected sizes (`Person.enterprises` → 3) overriding `listSize`. */
  listSizes: Readonly<Record<string, number>>;
  /** UTF-8 bytes of the variables as JSON. */
  variablesBytes: number;
  /** Nesting of objects and lists inside one variable's value. */
  variablesDepth: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  documentBytes: 64 * 1024,
  tokens: 5_000,
  depth: 12,
  aliases: 50,
  directives: 50,
  fieldSelections: 2_000,
  cost: 50_000,
  listSize: 10,
  // Introspection's per-type lists count 5 each: the standard introspection query (GraphiQL's, about
  // 17,000) then fits, and its cycles (types → fields → type → fields …) still multiply past the limit.
  listSizes: Object.freeze({
    '__Type.fields': 5, '__Type.inputFields': 5, '__Type.enumValues': 5, '__Type.interfaces': 5,
    '__Type.possibleTypes': 5, '__Field.args': 5, '__Directive.args': 5,
  }),
  variablesBytes: 1024 * 1024,
  variablesDepth: 32,
});

type NumericLimit = Exclude<keyof RequestLimits, 'listSizes'>;
const NUMERIC: readonly NumericLimit[] = ['documentBytes', 'tokens', 'depth', 'aliases', 'directives', 'fieldSelections', 'cost', 'listSize', 'variablesBytes', 'variablesDepth'];

/**
 * `GOVSHARE_LIMITS`: comma-separated `name=value` pairs overriding the defaults, e.g.
 * `depth=15,cost=100000,list:Person.enterprises=3`. An unknown name or a value that is not a
 * positive integer stops the start-up: a typo must not silently leave a limit at its default.
 */
export function parseLimits(value: string | undefined): RequestLimits {
  const text = value?.trim();
  if (!text) return DEFAULT_REQUEST_LIMITS;
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS };
  const listSizes: Record<string, number> = { ...DEFAULT_REQUEST_LIMITS.listSizes };
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const value = Number(entry.slice(eq + 1).trim());
    if (!name || !Number.isSafeInteger(value) || value <= 0) throw new Error(`GOVSHARE_LIMITS: "${entry}" is not name=<positive integer>`);
    if (name.startsWith('list:')) listSizes[name.slice(5)] = value;
    else if ((NUMERIC as readonly string[]).includes(name)) limits[name as NumericLimit] = value;
    else throw new Error(`GOVSHARE_LIMITS: unknown limit "${name}" (known: ${NUMERIC.join(', ')}, list:<Type.field>)`);
  }
  return { ...limits, listSizes };
}

/**
 * A refusal for exceeding one limit: CONTRACT §8 `QUERY_TOO_COMPLEX`, HTTP 400, naming the limit
 * and its value. Its class is how the error formatter recognises it once Apollo has wrapped it as
 * a validation or syntax error.
 */
export class LimitExceeded extends GraphQLError {
  constructor(readonly limit: keyof RequestLimits, readonly value: number, what: string) {
    super(`operation refused: ${what} exceeds the limit of ${value} (limit "${limit}" = ${value})`, {
      extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, value, http: { status: statusOf(ErrorCode.QUERY_TOO_COMPLEX) } },
    });
  }
}
