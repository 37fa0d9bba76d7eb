import { useSyncExternalStore } from 'react';

/** Chinese first; English on request. The choice is kept in localStorage for both apps. */
export type Lang = 'zh' | 'en';
const KEY = 'govshare.lang';

const STRINGS = {
  // shell
  appCatalog: { zh: '政务信息资源目录', en: 'Government data catalog' },
  appPlayground: { zh: '开发者调试台', en: 'Developer playground' },
  switchLang: { zh: 'English', en: '中文' },
  switchLangLabel: { zh: 'Switch to English', en: '切换到中文' },
  skipToContent: { zh: '跳到正文', en: 'Skip to content' },
  mainNav: { zh: '主导航', en: 'Main navigation' },
  navCatalog: { zh: '资源目录', en: 'Catalog' },
  navApplications: { zh: '我的申请', en: 'My applications' },
  navInbox: { zh: '待审批', en: 'Provider inbox' },
  navGrants: { zh: '授权', en: 'Grants' },
  navIssues: { zh: '信息校核', en: 'Data issues' },
  navEvaluation: { zh: '共享评价', en: 'Evaluation' },
  navAudit: { zh: '审计日志', en: 'Audit log' },
  navPlayground: { zh: '调试台', en: 'Playground' },
  loading: { zh: '加载中…', en: 'Loading…' },
  none: { zh: '无', en: 'none' },
  yes: { zh: '是', en: 'yes' },
  no: { zh: '否', en: 'no' },
  reload: { zh: '刷新', en: 'Reload' },
  // sign-in
  signInTitle: { zh: '登录', en: 'Sign in' },
  signInIntro: {
    zh: '所有操作都通过网关的 /graphql 接口，以您所在部门的令牌执行，规则与任何客户端相同。',
    en: 'Every action goes through the gateway\u2019s /graphql API with your department\u2019s token, under the same rules as any client.',
  },
  devSignIn: { zh: '开发环境登录（签发短期令牌）', en: 'Development sign-in (short-lived token)' },
  devSignInNote: {
    zh: '仅在开发模式下可用；配置了生产密钥（GOVSHARE_JWKS_URL 或 GOVSHARE_JWT_PUBLIC_KEY）时此功能不存在。',
    en: 'Development mode only; absent when production keys (GOVSHARE_JWKS_URL or GOVSHARE_JWT_PUBLIC_KEY) are configured.',
  },
  department: { zh: '部门', en: 'Department' },
  roles: { zh: '角色', en: 'Roles' },
  role_consumer: { zh: '使用方 consumer', en: 'consumer' },
  role_provider: { zh: '提供方 provider', en: 'provider' },
  role_admin: { zh: '管理员 admin', en: 'admin' },
  signInButton: { zh: '登录', en: 'Sign in' },
  pasteToken: { zh: '粘贴令牌', en: 'Paste a token' },
  pasteTokenLabel: { zh: '访问令牌（JWT）', en: 'Access token (JWT)' },
  pasteTokenHint: { zh: '例如 npm run token -- --dept tax 的输出，或贵单位身份系统签发的令牌。', en: 'For example the output of npm run token -- --dept tax, or a token from your identity provider.' },
  useToken: { zh: '使用此令牌', en: 'Use this token' },
  signedInAs: { zh: '当前部门', en: 'Signed in as' },
  signOut: { zh: '退出', en: 'Sign out' },
  expiresAt: { zh: '令牌有效至', en: 'Token valid until' },
  tokenExpired: { zh: '令牌已过期，请重新登录。', en: 'The token has expired: sign in again.' },
  notAToken: { zh: '这不是有效的 JWT（应为三段以点分隔的 base64url）。', en: 'This is not a JWT (three dot-separated base64url parts).' },
  // errors
  errorTitle: { zh: '操作未成功', en: 'The request failed' },
  errorCode: { zh: '错误代码', en: 'Error code' },
  deniedFields: { zh: '被拒绝的字段', en: 'Refused fields' },
  applyAt: { zh: '向 {provider} 申请资源 {resource}', en: 'apply for {resource} at {provider}' },
  // catalog list
  searchLabel: { zh: '搜索资源', en: 'Search resources' },
  searchPlaceholder: { zh: '名称、代码、字段或提供方，如 人口', en: 'Name, code, field or provider, e.g. 人口' },
  searchButton: { zh: '搜索', en: 'Search' },
  category: { zh: '分类', en: 'Category' },
  provider: { zh: '提供方', en: 'Provider' },
  all: { zh: '全部', en: 'All' },
  cat_BASE: { zh: '基础信息资源', en: 'Base resources' },
  cat_THEME: { zh: '主题信息资源', en: 'Theme resources' },
  cat_DEPARTMENT: { zh: '部门信息资源', en: 'Department resources' },
  resultsCount: { zh: '共 {n} 项资源', en: '{n} resources' },
  noResults: { zh: '没有符合条件的资源。', en: 'No resource matches.' },
  updateCycle: { zh: '更新周期', en: 'Update cycle' },
  fieldsSummary: { zh: '{u} 项无条件共享 · {c} 项有条件共享 · {n} 项不予共享', en: '{u} unconditional · {c} conditional · {n} not shared' },
  exports: { zh: '目录导出', en: 'Catalog exports' },
  // resource page
  backToCatalog: { zh: '返回目录', en: 'Back to the catalog' },
  resourceCode: { zh: '资源代码', en: 'Resource code' },
  subgraph: { zh: '子图', en: 'Subgraph' },
  publishedAt: { zh: '发布时间', en: 'Published' },
  updatedAt: { zh: '更新时间', en: 'Updated' },
  fields: { zh: '信息项', en: 'Fields' },
  field: { zh: '信息项', en: 'Field' },
  shareType: { zh: '共享类型', en: 'Share type' },
  mask: { zh: '脱敏规则', en: 'Mask' },
  condition: { zh: '共享条件', en: 'Condition' },
  compare: { zh: '比对', en: 'Comparison' },
  compareYes: { zh: '仅返回比对结果', en: 'match flags only' },
  description: { zh: '说明', en: 'Description' },
  share_UNCONDITIONAL: { zh: '无条件共享', en: 'Unconditional' },
  share_CONDITIONAL: { zh: '有条件共享', en: 'Conditional' },
  share_NONE: { zh: '不予共享', en: 'Not shared' },
  notFound: { zh: '没有此资源：{code}', en: 'No resource {code}' },
  // apply
  applyTitle: { zh: '申请有条件共享字段', en: 'Apply for conditional fields' },
  applyIntro: { zh: '提供方须在提交后第 5 个工作日内答复（节假日顺延）。', en: 'The provider answers by the 5th working day after submission (public holidays excluded).' },
  applyFields: { zh: '申请的信息项', en: 'Fields to apply for' },
  purpose: { zh: '用途', en: 'Purpose' },
  purposeHint: { zh: '说明办理的事项，将记入审计日志。', en: 'What the data is for; recorded in the audit log.' },
  raw: { zh: '需要原始值（不脱敏）', en: 'Raw values (not masked)' },
  validUntil: { zh: '有效期至（可选，最长一年）', en: 'Valid until (optional, one year at most)' },
  submitApplication: { zh: '提交申请', en: 'Submit the application' },
  submitted: { zh: '申请已提交，状态 {status}，答复期限 {deadline}。', en: 'Application submitted: {status}, to be answered by {deadline}.' },
  pickAField: { zh: '请至少选择一个信息项。', en: 'Choose at least one field.' },
  purposeRequired: { zh: '请填写用途。', en: 'State the purpose.' },
  noConditional: { zh: '此资源没有需要申请的字段。', en: 'This resource has no field that needs an application.' },
  reportIssueHere: { zh: '对此资源的数据有疑问？报告信息校核', en: 'Doubt a value of this resource? Report a data issue' },
  // applications
  myApplicationsTitle: { zh: '我的申请', en: 'My applications' },
  inboxTitle: { zh: '待审批的申请（提供方）', en: 'Applications to answer (provider)' },
  inboxIntro: { zh: '超期的排在最前。驳回必须说明理由。', en: 'Overdue ones first. A rejection needs a reason.' },
  consumer: { zh: '申请方', en: 'Consumer' },
  resource: { zh: '资源', en: 'Resource' },
  status: { zh: '状态', en: 'Status' },
  submittedAt: { zh: '提交时间', en: 'Submitted' },
  deadline: { zh: '答复期限', en: 'Deadline' },
  decidedAt: { zh: '答复时间', en: 'Decided' },
  reason: { zh: '理由', en: 'Reason' },
  grant: { zh: '授权', en: 'Grant' },
  overdue: { zh: '已超期', en: 'Overdue' },
  st_PENDING: { zh: '待审批', en: 'Pending' },
  st_APPROVED: { zh: '已批准', en: 'Approved' },
  st_REJECTED: { zh: '已驳回', en: 'Rejected' },
  st_OPEN: { zh: '处理中', en: 'Open' },
  st_RESOLVED: { zh: '已办结', en: 'Resolved' },
  noApplications: { zh: '暂无申请。', en: 'No applications.' },
  approve: { zh: '批准', en: 'Approve' },
  reject: { zh: '驳回', en: 'Reject' },
  rejectReason: { zh: '驳回理由', en: 'Reason for rejecting' },
  reasonRequired: { zh: '驳回必须说明理由。', en: 'A rejection needs a reason.' },
  pendingSection: { zh: '待处理', en: 'Pending' },
  decidedSection: { zh: '已处理', en: 'Decided' },
  decisionDone: { zh: '{status}：{id}', en: '{status}: {id}' },
  rawShort: { zh: '原始值', en: 'raw' },
  validUntilShort: { zh: '有效至', en: 'valid until' },
  // grants
  grantsHeld: { zh: '本部门持有的授权', en: 'Grants this department holds' },
  grantsGiven: { zh: '本部门发放的授权（提供方）', en: 'Grants this department gave (provider)' },
  active: { zh: '有效', en: 'active' },
  inactive: { zh: '已失效', en: 'inactive' },
  revoke: { zh: '撤销授权', en: 'Revoke' },
  revokeReason: { zh: '撤销理由', en: 'Reason for revoking' },
  revokeRequired: { zh: '撤销必须说明理由。', en: 'A revocation needs a reason.' },
  revoked: { zh: '已撤销', en: 'Revoked' },
  noGrants: { zh: '暂无授权。', en: 'No grants.' },
  // issues
  issuesTitle: { zh: '信息校核', en: 'Data issues' },
  reportIssue: { zh: '报告数据疑问', en: 'Report a data issue' },
  recordKey: { zh: '记录标识（如身份证号）', en: 'Record key (e.g. the ID number)' },
  issueDescription: { zh: '问题描述', en: 'What is wrong' },
  coordinate: { zh: '信息项', en: 'Field' },
  submitIssue: { zh: '提交', en: 'Submit' },
  issueReported: { zh: '已提交，提供方须在 {deadline} 前办结。', en: 'Reported: the provider resolves it by {deadline}.' },
  issuesReported: { zh: '本部门报告的问题', en: 'Issues this department reported' },
  issuesReceived: { zh: '待本部门办结的问题（提供方）', en: 'Issues to resolve (provider)' },
  reporter: { zh: '报告方', en: 'Reporter' },
  reportedAt: { zh: '报告时间', en: 'Reported' },
  resolution: { zh: '处理结果', en: 'Resolution' },
  res_CORRECTED: { zh: '已更正', en: 'Corrected' },
  res_CONFIRMED_CORRECT: { zh: '经核实无误', en: 'Confirmed correct' },
  res_REJECTED: { zh: '不予受理', en: 'Rejected' },
  note: { zh: '办理说明', en: 'Note' },
  resolve: { zh: '办结', en: 'Resolve' },
  noteRequired: { zh: '请填写办理说明。', en: 'Write a note.' },
  noIssues: { zh: '暂无问题。', en: 'No issues.' },
  allFieldsRequired: { zh: '请填写所有字段。', en: 'Fill in every field.' },
  // evaluation
  evaluationTitle: { zh: '共享评价', en: 'Sharing evaluation' },
  evaluationIntro: { zh: '按部门统计：申请答复时间、超期数量与共享率。', en: 'Per department: answer times, overdue counts and share rate.' },
  chartAnswerTime: { zh: '平均答复时间（工作日）', en: 'Mean answer time (working days)' },
  chartOverdue: { zh: '超期数量', en: 'Overdue counts' },
  chartShareRate: { zh: '共享率（可共享信息项占比）', en: 'Share rate (fields that may be shared)' },
  seriesAppsOverdue: { zh: '申请超期', en: 'Applications overdue' },
  seriesIssuesOverdue: { zh: '校核超期', en: 'Data issues overdue' },
  evDepartment: { zh: '部门', en: 'Department' },
  evResources: { zh: '发布资源', en: 'Resources' },
  evReceived: { zh: '收到申请', en: 'Applications received' },
  evAnswered: { zh: '已答复', en: 'Answered' },
  evInTime: { zh: '按时答复', en: 'In time' },
  evPending: { zh: '待答复', en: 'Pending' },
  evMean: { zh: '平均答复（工作日）', en: 'Mean answer (working days)' },
  evShareRate: { zh: '共享率', en: 'Share rate' },
  evIssues: { zh: '校核 收到/办结/超期', en: 'Issues received/resolved/overdue' },
  evServed: { zh: '被调用次数', en: 'Requests served' },
  evConsumed: { zh: '调用次数', en: 'Requests made' },
  // audit
  auditTitle: { zh: '审计日志', en: 'Audit log' },
  chainOk: { zh: '哈希链校验通过：已核对 {n} 条记录。', en: 'Hash chain verified: {n} records checked.' },
  chainBroken: { zh: '哈希链断裂！首个异常记录：{id}（已核对 {n} 条）。', en: 'Hash chain BROKEN at record {id} ({n} checked).' },
  at: { zh: '时间', en: 'Time' },
  operator: { zh: '经办人', en: 'Operator' },
  operation: { zh: '操作', en: 'Operation' },
  decision: { zh: '结果', en: 'Decision' },
  dec_ALLOWED: { zh: '允许', en: 'allowed' },
  dec_DENIED: { zh: '拒绝', en: 'denied' },
  maskedFields: { zh: '脱敏字段', en: 'Masked' },
  duration: { zh: '耗时', en: 'Duration' },
  filterResource: { zh: '按资源筛选', en: 'Filter by resource' },
  filterConsumer: { zh: '按调用部门筛选', en: 'Filter by consumer' },
  applyFilter: { zh: '筛选', en: 'Filter' },
  more: { zh: '加载更多', en: 'Load more' },
  noRecords: { zh: '暂无记录。', en: 'No records.' },
  fieldCount: { zh: '{n} 个信息项', en: '{n} fields' },
  resourcesAndFields: { zh: '资源与信息项', en: 'Resources and fields' },
  noData: { zh: '暂无数据。', en: 'No data yet.' },
  // playground
  pgIntro: {
    zh: '以所选部门的令牌调用 /graphql。文档浏览器显示的是该部门自己可见的接口（NONE 字段不出现）。',
    en: 'Calls /graphql with the chosen department\u2019s token. The docs explorer shows that department\u2019s own schema (NONE fields never appear).',
  },
  pgPurpose: { zh: '用途（X-Share-Purpose）', en: 'Purpose (X-Share-Purpose)' },
  pgPurposeNote: {
    zh: '请求头中的中文会自动按 encodeURIComponent 编码。',
    en: 'Non-ASCII header values are percent-encoded with encodeURIComponent automatically.',
  },
  pgApplyPurpose: { zh: '更新请求头', en: 'Update headers' },
  pgOpenCatalog: { zh: '打开资源目录', en: 'Open the catalog' },
} as const satisfies Record<string, Record<Lang, string>>;

export type StringKey = keyof typeof STRINGS;

function initial(): Lang {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch { /* storage disabled */ }
  return 'zh';
}

let current: Lang = initial();
const listeners = new Set<() => void>();
document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

export function setLang(lang: Lang): void {
  current = lang;
  try { localStorage.setItem(KEY, lang); } catch { /* storage disabled */ }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const listener of listeners) listener();
}

export function getLang(): Lang { return current; }

export function translate(lang: Lang, key: StringKey, vars: Record<string, string | number> = {}): string {
  const text: string = STRINGS[key][lang];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Optional keys (enum values the server may add later) fall back to the raw value. */
export function translateOptional(lang: Lang, key: string, fallback: string): string {
  return key in STRINGS ? translate(lang, key as StringKey) : fallback;
}

export function useI18n() {
  const lang = useSyncExternalStore((cb) => { listeners.add(cb); return () => listeners.delete(cb); }, getLang);
  return {
    lang,
    setLang,
    t: (key: StringKey, vars?: Record<string, string | number>) => translate(lang, key, vars),
    tx: (key: string, fallback: string) => translateOptional(lang, key, fallback),
  };
}
