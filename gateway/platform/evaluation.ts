import { PLATFORM_RESOURCE } from './catalog.ts';
import { isOverdue } from './deadlines.ts';
import { providerAnswerCounts, round, type ProviderAnswerCounts } from './application-evaluation.ts';
import { badUserInput } from '../../protocol/errors.ts';
import type { PlatformServices } from './services.ts';

export interface DepartmentEvaluation extends ProviderAnswerCounts {
  department: string;
  name: string;
  resourcesPublished: number;
  fieldsUnconditional: number;
  fieldsConditional: number;
  fieldsNone: number;
  /** Shared fields (UNCONDITIONAL + CONDITIONAL) over all cataloged fields: "sharing is the rule". */
  shareRate: number | null;
  applicationsSubmitted: number;
  dataIssuesReceived: number;
  dataIssuesResolved: number;
  dataIssuesOverdue: number;
  dataIssuesReported: number;
  requestsServed: number;
  requestsConsumed: number;
  /** Keys this department looked up that no provider knew, over the last 30 days: enumeration shows here. */
  unknownKeyLookups: number;
}

/**
 * evaluation (评价): per department, from the records themselves. Request counts come from the audit
 * log's index sizes (constant time however long the log); applications and issues are few by nature.
 */
export async function evaluate(services: PlatformServices, department?: string | null): Promise<DepartmentEvaluation[]> {
  const departments = department
    ? [services.departments.get(department) ?? (() => { throw badUserInput(`unknown department "${department}"`); })()]
    : [...services.departments.departments];
  const model = services.model();
  const now = services.now();
  const [applications, issues, counts, misses] = await Promise.all([
    services.workflow.applications.list(),
    services.workflow.dataIssues.list(),
    services.state.audit.counts(departments.map((d) => d.code)),
    Promise.all(departments.map((d) => services.workflow.lookupMisses.recent(d.code, now))),
  ]);
  return departments.map(({ code, name }, index) => {
    const resources = [...model.resources.values()].filter((r) => r.provider === code && r.code !== PLATFORM_RESOURCE);
    const codes = new Set(resources.map((r) => r.code));
    const fields = [...model.fields.values()].filter((f) => codes.has(f.resource) && !f.onValueType);
    const byType = (t: string) => fields.filter((f) => f.shareType === t).length;
    const issuesReceived = issues.filter((d) => d.provider === code);
    return {
      department: code,
      name,
      resourcesPublished: resources.length,
      fieldsUnconditional: byType('UNCONDITIONAL'),
      fieldsConditional: byType('CONDITIONAL'),
      fieldsNone: byType('NONE'),
      shareRate: fields.length ? round((fields.length - byType('NONE')) / fields.length) : null,
      ...providerAnswerCounts(applications, code, services.calendar, now),
      applicationsSubmitted: applications.filter((a) => a.consumer === code).length,
      dataIssuesReceived: issuesReceived.length,
      dataIssuesResolved: issuesReceived.filter((d) => d.status === 'RESOLVED').length,
      dataIssuesOverdue: issuesReceived.filter((d) => isOverdue(d.deadline, d.resolvedAt, now)).length,
      dataIssuesReported: issues.filter((d) => d.reporter === code).length,
      requestsServed: counts.get(code)?.served ?? 0,
      requestsConsumed: counts.get(code)?.consumed ?? 0,
      unknownKeyLookups: misses[index] ?? 0,
    };
  });
}
