import { GraphQLError } from 'graphql';

export const badUserInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
export const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
export const auditUnavailable = () =>
  new GraphQLError('the audit log cannot be read right now', { extensions: { code: 'AUDIT_UNAVAILABLE' } });
