import { getSession } from './auth.ts';

/** The same `/graphql` as every client: same origin, Bearer token, percent-encoded purpose. */
export const GRAPHQL_URL = '/graphql';

export interface DeniedField { coordinate: string; resource: string; provider: string; condition?: string | null }

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly denied: DeniedField[] = [],
    readonly messages: string[] = [message],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * HTTP header values cannot carry Chinese text: non-ASCII values are sent as `encodeURIComponent`
 * produces them (CONTRACT §2); plain ASCII passes unchanged.
 */
export function encodeHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

export interface RequestOptions {
  token?: string;
  purpose?: string;
  operator?: string;
  signal?: AbortSignal;
}

export interface GraphQLBody<T> { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }

export async function gql<T>(query: string, variables: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? getSession()?.token;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.purpose) headers['x-share-purpose'] = encodeHeaderValue(options.purpose);
  if (options.operator) headers['x-share-operator'] = encodeHeaderValue(options.operator);
  let response: Response;
  try {
    response = await fetch(GRAPHQL_URL, { method: 'POST', headers, body: JSON.stringify({ query, variables }), ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(`the gateway cannot be reached: ${(error as Error).message}`, 'NETWORK_ERROR', 0);
  }
  const text = await response.text();
  let body: GraphQLBody<T>;
  try {
    body = JSON.parse(text) as GraphQLBody<T>;
  } catch {
    throw new ApiError(`the gateway answered HTTP ${response.status} without a GraphQL response`, `HTTP_${response.status}`, response.status);
  }
  if (body.errors?.length) {
    const first = body.errors[0]!;
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
    const denied = body.errors.flatMap((e) => (Array.isArray(e.extensions?.denied) ? e.extensions.denied as DeniedField[] : []));
    throw new ApiError(first.message, code, response.status, denied, body.errors.map((e) => e.message));
  }
  if (!response.ok || body.data == null) throw new ApiError(`the gateway answered HTTP ${response.status}`, `HTTP_${response.status}`, response.status);
  return body.data;
}

/** What each code of CONTRACT §8 means, in words, for the person in front of the page. */
export const ERROR_EXPLANATIONS: Record<string, { zh: string; en: string }> = {
  UNAUTHENTICATED: { zh: '身份未通过验证：令牌缺失、格式错误、已过期或签名不符。请重新登录。', en: 'Not authenticated: the token is missing, malformed, expired or wrongly signed. Sign in again.' },
  FORBIDDEN: { zh: '无权执行此操作：只有资源的提供方（或平台管理员）可以这样做。', en: 'Not allowed: only the resource\u2019s provider (or a platform admin) may do this.' },
  SHARE_DENIED: { zh: '共享被拒绝：请求涉及有条件共享的字段，本部门没有有效授权。整次请求未返回任何数据。', en: 'Sharing refused: the request touches conditional fields this department holds no active grant for. No data was returned.' },
  PURPOSE_REQUIRED: { zh: '缺少用途：访问有条件共享字段时必须填写用途（X-Share-Purpose）。', en: 'Purpose required: conditional fields need a stated purpose (X-Share-Purpose).' },
  BAD_USER_INPUT: { zh: '输入有误：', en: 'Invalid input: ' },
  GRAPHQL_VALIDATION_FAILED: { zh: '查询不符合本部门可见的接口（字段不存在或参数错误）。', en: 'The query does not fit the schema this department sees (unknown field or wrong arguments).' },
  GRAPHQL_PARSE_FAILED: { zh: '查询语法错误。', en: 'The query has a syntax error.' },
  QUERY_TOO_COMPLEX: { zh: '查询过于复杂（深度、别名、长度或成本超限）。', en: 'The query is too complex (depth, aliases, tokens or cost over the limits).' },
  RATE_LIMITED: { zh: '请求过于频繁，请稍后再试。', en: 'Too many requests: try again shortly.' },
  AUDIT_UNAVAILABLE: { zh: '审计日志暂不可写，为保证可追溯，网关不提供数据。', en: 'The audit log cannot be written right now, so no data is served.' },
  POLICY_UNAVAILABLE: { zh: '授权信息暂不可读，有条件共享数据被拒绝。', en: 'Grants cannot be read right now, so conditional data is refused.' },
  SERVICE_UNAVAILABLE: { zh: '网关正在启动，请稍后再试。', en: 'The gateway is starting: try again shortly.' },
  NETWORK_ERROR: { zh: '无法连接网关。', en: 'The gateway cannot be reached.' },
  INTERNAL_SERVER_ERROR: { zh: '网关内部错误。', en: 'Internal error in the gateway.' },
};

export function explainError(error: unknown, lang: 'zh' | 'en'): { code: string; summary: string; detail: string; denied: DeniedField[] } {
  if (error instanceof ApiError) {
    const known = ERROR_EXPLANATIONS[error.code];
    return { code: error.code, summary: known ? known[lang] : '', detail: error.messages.join('\n'), denied: error.denied };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'CLIENT_ERROR', summary: '', detail: message, denied: [] };
}
