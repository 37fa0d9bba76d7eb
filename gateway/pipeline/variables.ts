import type { OperationDefinitionNode } from 'graphql';
import { LimitExceeded, type RequestLimits } from './limits.ts';

/**
 * CONTRACT §8 variable limits, checked on the variables as sent (declared or not: an undeclared one
 * still has to be parsed, held and, before v1.1, digested). One walk that stops as soon as a limit is
 * passed, so its cost is bounded by the limits, not by the input; it measures the JSON size as it
 * goes instead of serialising (string escapes are not counted).
 */
export function checkVariables(variables: Readonly<Record<string, unknown>> | undefined, limits: RequestLimits): LimitExceeded | null {
  if (!variables) return null;
  let bytes = 2;
  let tooDeep = false;
  const walk = (value: unknown, depth: number): boolean => {
    if (bytes > limits.variablesBytes) return false;
    if (value === null || typeof value !== 'object') {
      bytes += typeof value === 'string' ? Buffer.byteLength(value) + 2 : String(value).length;
      return true;
    }
    if (depth > limits.variablesDepth) { tooDeep = true; return false; }
    bytes += 2;
    if (Array.isArray(value)) {
      for (const item of value) { bytes += 1; if (!walk(item, depth + 1)) return false; }
    } else {
      for (const key in value) {
        bytes += Buffer.byteLength(key) + 4;
        if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
    }
    return true;
  };
  for (const name in variables) {
    bytes += Buffer.byteLength(name) + 4;
    if (!walk(variables[name], 1)) break;
  }
  if (tooDeep) return new LimitExceeded('variablesDepth', limits.variablesDepth, 'the nesting depth of the variables');
  if (bytes > limits.variablesBytes) return new LimitExceeded('variablesBytes', limits.variablesBytes, 'the size of the variables in bytes');
  return null;
}

/**
 * The variables the operation declares, in declaration order: what execution can use and what the
 * audit digest covers. Anything else the client sent is never read again.
 */
export function declaredVariables(operation: OperationDefinitionNode | undefined, variables: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | null {
  if (!operation?.variableDefinitions?.length || !variables) return null;
  const declared: Record<string, unknown> = {};
  let any = false;
  for (const definition of operation.variableDefinitions) {
    const name = definition.variable.name.value;
    if (Object.prototype.hasOwnProperty.call(variables, name)) { declared[name] = variables[name]; any = true; }
  }
  return any ? declared : null;
}
