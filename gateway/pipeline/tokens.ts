import { Lexer, Source, TokenKind } from 'graphql';

/**
 * Whether the document has more than `limit` lexical tokens, counted the way graphql-js' parser
 * counts them for its `maxTokens` option (comments skipped). Stops at the limit, so its cost is
 * bounded by the limit; a lexical error before that is an ordinary syntax error.
 */
export function tooManyTokens(source: string, limit: number): boolean {
  const lexer = new Lexer(new Source(source));
  try {
    let count = 0;
    while (lexer.advance().kind !== TokenKind.EOF) if (++count > limit) return true;
    return false;
  } catch {
    return false;
  }
}
