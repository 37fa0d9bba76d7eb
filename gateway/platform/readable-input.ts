import { badUserInput } from '../../protocol/errors.ts';
import { disguisedTextProblem } from '../pipeline/declared-text.ts';

/** BAD_USER_INPUT for a free text that would display otherwise than it is stored (pipeline/declared-text.ts). */
export function refuseDisguised(what: string, value: string): void {
  const problem = disguisedTextProblem(what, value);
  if (problem) throw badUserInput(problem);
}
