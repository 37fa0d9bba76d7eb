import { GraphQLError } from 'graphql';

/** A caller's mistake, with the CONTRACT §8 code the gateway passes on. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
