import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The review stages an application passes (`GOVSHARE_WORKFLOW`, a JSON file). Without the file the
 * platform behaves as CONTRACT §6 says: the provider answers within 5 working days, nobody before it.
 * A jurisdiction adds the data authority's pre-review (符合性审查) and sets its own deadlines; the 2025
 * regulation (国务院令第809号) and local rules differ on both, so neither is written into the code.
 */
export interface WorkflowSettings {
  /** The data authority's pre-review before the provider's stage; null: none (the default). */
  preReview: { reviewer: string; workingDays: number } | null;
  /** The provider's stage: 5 working days in the seed's city, 10 under 国发〔2016〕51号 and several provinces. */
  providerReview: { workingDays: number };
  /**
   * 争议协调: where a consumer takes a provider's refusal, and how long that authority has to decide;
   * null when the default authority is not among the configured departments (no file names another).
   */
  escalation: { authority: string; workingDays: number } | null;
  /** The longest extension of one stage, in working days. */
  extension: { maxWorkingDays: number };
  /** The file these came from, for messages naming it; absent for the defaults. */
  file?: string;
}

/** The data authority of the demo set (CONTRACT §2: 政务服务数据管理局, the platform's admin). */
export const DEFAULT_AUTHORITY = 'data-bureau';

/**
 * An extension may at most add the longest answer period in use (10 working days, 51号) once more:
 * past that the stage's deadline itself is wrong, and an unbounded extension would let a holder
 * empty the deadline of meaning (and the overdue count of `evaluation` with it).
 */
export const MAX_EXTENSION_WORKING_DAYS = 10;

/** A deadline longer than six weeks of working days is no deadline; a larger number is most likely a typo. */
const MAX_STAGE_WORKING_DAYS = 30;

export const DEFAULT_WORKFLOW: WorkflowSettings = Object.freeze({
  preReview: null,
  providerReview: { workingDays: 5 },
  escalation: { authority: DEFAULT_AUTHORITY, workingDays: 5 },
  extension: { maxWorkingDays: MAX_EXTENSION_WORKING_DAYS },
});

const workingDays = (max: number) => z.number({ error: 'must be a number of working days' })
  .int({ error: 'must be a whole number of working days' })
  .min(1, { error: 'must be at least 1 working day' })
  .max(max, { error: `must be at most ${max} working days` });
const department = z.string({ error: 'must be a department code' }).trim().min(1, { error: 'must be a department code' });

// Strict objects: a misspelt key ("preReveiw") would otherwise be ignored and silently give another procedure.
const FILE_SCHEMA = z.strictObject({
  preReview: z.strictObject({
    reviewer: department.default(DEFAULT_AUTHORITY),
    workingDays: workingDays(MAX_STAGE_WORKING_DAYS),
  }).optional(),
  providerReview: z.strictObject({ workingDays: workingDays(MAX_STAGE_WORKING_DAYS).default(5) }).optional(),
  escalation: z.strictObject({
    authority: department.default(DEFAULT_AUTHORITY),
    workingDays: workingDays(MAX_STAGE_WORKING_DAYS).default(5),
  }).optional(),
  extension: z.strictObject({ maxWorkingDays: workingDays(MAX_EXTENSION_WORKING_DAYS).default(MAX_EXTENSION_WORKING_DAYS) }).optional(),
});

/** The file could not be used: the message names the variable, the file and the problem. */
export class WorkflowConfigError extends Error {
  override name = 'WorkflowConfigError';
  constructor(readonly file: string, problem: string) {
    super(`GOVSHARE_WORKFLOW (${file}): ${problem}`);
  }
}

/** Reads and checks the file at `GOVSHARE_WORKFLOW`; anything doubtful stops the start-up. */
export function readWorkflowFile(file: string): WorkflowSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WorkflowConfigError(file, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WorkflowConfigError(file, `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = FILE_SCHEMA.safeParse(json);
  if (!parsed.success) {
    throw new WorkflowConfigError(file, parsed.error.issues
      .map((issue) => (issue.path.length ? `${issue.path.join('.')} ${issue.message}` : issue.message)).join('; '));
  }
  const { preReview, providerReview, escalation, extension } = parsed.data;
  return {
    preReview: preReview ?? null,
    providerReview: providerReview ?? DEFAULT_WORKFLOW.providerReview,
    escalation: escalation ?? DEFAULT_WORKFLOW.escalation,
    extension: extension ?? DEFAULT_WORKFLOW.extension,
    file,
  };
}

/**
 * The departments the settings name must exist (checked once the department list is loaded, at
 * start-up): a reviewer nobody can sign in as would hold every application forever. Without a file,
 * a department list lacking the default authority only leaves escalation out, as before it existed.
 */
export function checkWorkflowDepartments(settings: WorkflowSettings, known: (code: string) => boolean): WorkflowSettings {
  if (!settings.file) return settings.escalation && !known(settings.escalation.authority) ? { ...settings, escalation: null } : settings;
  const named = [
    ...(settings.preReview ? [['preReview.reviewer', settings.preReview.reviewer] as const] : []),
    ...(settings.escalation ? [['escalation.authority', settings.escalation.authority] as const] : []),
  ];
  for (const [key, code] of named) {
    if (!known(code)) throw new WorkflowConfigError(settings.file, `${key} "${code}" is not a configured department (GOVSHARE_DEPARTMENTS)`);
  }
  return settings;
}
