import { readFileSync } from 'node:fs';

export interface Department { code: string; name: string }

/** The demo departments of CONTRACT §2; `GOVSHARE_DEPARTMENTS` replaces them. */
export const DEMO_DEPARTMENTS: readonly Department[] = [
  { code: 'public-security', name: '公安局' },
  { code: 'market-regulation', name: '市场监督管理局' },
  { code: 'data-bureau', name: '政务服务数据管理局' },
  { code: 'development-reform', name: '发展和改革委员会' },
  { code: 'housing', name: '住房和城乡建设局' },
  { code: 'human-resources', name: '人力资源和社会保障局' },
  { code: 'civil-affairs', name: '民政局' },
  { code: 'tax', name: '税务局' },
];

export class DepartmentDirectory {
  private readonly byCode: ReadonlyMap<string, Department>;
  constructor(readonly departments: readonly Department[]) {
    this.byCode = new Map(departments.map((d) => [d.code, d]));
  }
  get(code: string): Department | undefined {
    return this.byCode.get(code);
  }
}

/** The department list at `path` (`GOVSHARE_DEPARTMENTS`, `config.departmentsFile`: a JSON list of `{ code, name }`), or the demo set. */
export function loadDepartments(path: string | undefined): DepartmentDirectory {
  if (!path) return new DepartmentDirectory(DEMO_DEPARTMENTS);
  const list = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(list) || !list.every((d) => typeof d?.code === 'string' && d.code && typeof d?.name === 'string')) {
    throw new Error(`GOVSHARE_DEPARTMENTS (${path}) must be a JSON list of { "code": string, "name": string }`);
  }
  return new DepartmentDirectory(list as Department[]);
}
