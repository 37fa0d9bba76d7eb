import { GraphQLError } from 'graphql';

/** A refusal with its CONTRACT §8 code and the HTTP status Apollo should answer with. */
export function policyError(code: string, message: string, status: number, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: { status } } });
}
