import type { GraphQLError, OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../../execution/context.ts';
import { cataloguedCode, type ErrorCode } from '../../../protocol/errors.ts';

/** The policy stages let this operation run: the executor runs it and nothing else. */
export function clear(context: GatewayContext, operation: OperationDefinitionNode): void {
  context.decision = 'ALLOWED';
  context.cleared = operation;
}

export function markRefused(context: GatewayContext, code: ErrorCode): void {
  context.decision = 'DENIED';
  context.errorCode = code;
}

/** Marks the request refused with the error's §8 code and returns the error to throw. */
export function refuse(context: GatewayContext, error: GraphQLError): GraphQLError {
  markRefused(context, cataloguedCode(error.extensions.code));
  return error;
}
