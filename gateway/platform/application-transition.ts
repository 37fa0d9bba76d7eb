import { badUserInput } from '../../protocol/errors.ts';
import type { NewGrant } from '../state/index.ts';
import type { ApplicationRecord } from './records.ts';
import type { PlatformServices } from './services.ts';

/** What one step makes of an application: the next record, and the grant an approval writes with it. */
export interface Transition { next: ApplicationRecord; grant?: NewGrant }

/** Rounds lost to other changes before giving up; each lost round means another step landed meanwhile. */
const ATTEMPTS = 5;

/**
 * Applies `step` to the stored application: compare-and-set on the whole record (its stages, extensions
 * and escalation do not all move `status`), the grant of an approval in the same transaction, so there
 * is never an approval without its grant. Of concurrent steps exactly one wins a round; a loser reads
 * again and `step` judges what the winner left (most often: already decided, BAD_USER_INPUT). A step
 * meant for one stage never lands on the next: when the winner moved the application to another stage,
 * the loser is refused even where `step` would accept it there (an admin's second "approve" at pre-review
 * is no approval at the provider's stage). `step` throws to refuse, and nothing changes.
 */
export async function transitionApplication(
  services: PlatformServices, id: string, now: Date, step: (current: ApplicationRecord) => Transition,
): Promise<ApplicationRecord> {
  const store = services.workflow.applications;
  let judgedAt: string | null = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.get(id);
    if (!current) throw badUserInput(`no application "${id}"`);
    const { next, grant } = step(current);
    const at = position(current);
    judgedAt ??= at;
    if (at !== judgedAt) throw badUserInput(`application ${id} moved on while this request was made (now ${current.stage.toLowerCase()}, ${current.status.toLowerCase()}): read it again`);
    const won = await services.state.transaction(async (tx) => {
      if (!(await tx.records(store).replaceIfUnchanged(current, next))) return false;
      if (grant) await tx.grants.create(grant, now);
      return true;
    });
    if (won) return next;
  }
  throw badUserInput(`application ${id} changed ${ATTEMPTS} times while this request was judging it: read it again and retry`);
}

/** Where an application stands: which stage it waits in, after how many. */
const position = (application: ApplicationRecord) => `${application.stages.length}:${application.stage}`;
