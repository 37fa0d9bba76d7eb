import { badUserInput } from '../../protocol/errors.ts';
import { declaredTextProblem, disguisedTextProblem } from '../pipeline/declared-text.ts';

/** BAD_USER_INPUT for a declared text (an application's purpose) that is not printable or would display otherwise than it is stored. */
export function refuseUndeclarable(what: string, value: string): void {
  const problem = declaredTextProblem(what, value);
  if (problem) throw badUserInput(problem);
}

/** BAD_USER_INPUT for a free text that would display otherwise than it is stored (pipeline/declared-text.ts). */
export function refuseDisguised(what: string, value: string): void {
  const problem = disguisedTextProblem(what, value);
  if (problem) throw badUserInput(problem);
}
