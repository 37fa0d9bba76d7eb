/**
 * The platform calls the scale test makes, as departments make them: GraphQL over HTTP with a
 * department token (`npm run token`'s kind, signed with the deployment's JWT secret).
 */
import { issueDevToken } from '../../gateway/identity/token-issuer.ts';
import type { Role } from '../../gateway/identity/caller.ts';

export const PERSON_ID = '43010219850312123X';
/** CONDITIONAL at public-security: served only under a grant. */
export const MOBILE_QUERY = `{ person(idNumber: "${PERSON_ID}") { mobile } }`;
/** UNCONDITIONAL: what the steady load reads. */
export const BIRTH_DATE_QUERY = `{ person(idNumber: "${PERSON_ID}") { birthDate } }`;
export const TAX_QUERY = '{ taxPayment(id: "P1") { id year } }';
export const PURPOSE = '税务稽查';

export async function headersFor(secret: string, department: string, roles: Role[] = ['consumer']): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await issueDevToken({ department, roles, secret, ttlSeconds: 3600 })}`,
    'x-share-purpose': encodeURIComponent(PURPOSE),
  };
}

export async function graphql(url: string, query: string, headers: Record<string, string>, variables?: Record<string, unknown>, timeoutMs = 10_000): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return response.json();
}

/** What a replica answers to the grant-protected query: SERVED, or the §8 code of its refusal. */
export async function mobileOutcome(url: string, headers: Record<string, string>): Promise<string> {
  const body = await graphql(url, MOBILE_QUERY, headers);
  return body.errors?.[0]?.extensions?.code ?? (body.data?.person?.mobile ? 'SERVED' : 'EMPTY');
}

/** tax applies for Person.mobile; public-security approves: the grant's id. */
export async function grantMobile(url: string, secret: string): Promise<string> {
  const applied = await graphql(url, 'mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { id status } }',
    await headersFor(secret, 'tax'), { i: { resource: 'POP-PERSON', fields: ['Person.mobile'], purpose: PURPOSE } });
  const id = applied.data?.applyForAccess?.id;
  if (!id) throw new Error(`applyForAccess: ${JSON.stringify(applied)}`);
  const reviewed = await graphql(url, 'mutation($id: ID!) { reviewApplication(id: $id, approve: true, reason: "规模测试") { status grant { id } } }',
    await headersFor(secret, 'public-security', ['provider']), { id });
  const grant = reviewed.data?.reviewApplication?.grant?.id;
  if (!grant) throw new Error(`reviewApplication: ${JSON.stringify(reviewed)}`);
  return grant;
}

export async function revokeGrant(url: string, secret: string, id: string): Promise<void> {
  const body = await graphql(url, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "规模测试：撤销") { id active } }',
    await headersFor(secret, 'public-security', ['provider']), { id });
  if (!body.data?.revokeGrant?.id) throw new Error(`revokeGrant: ${JSON.stringify(body)}`);
}

export async function publish(url: string, secret: string, name: string, subgraphUrl: string): Promise<string> {
  const body = await graphql(url, 'mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ok supergraphVersion errors { code message } } }',
    await headersFor(secret, 'tax', ['provider']), { n: name, u: subgraphUrl });
  if (!body.data?.publishSubgraph?.ok) throw new Error(`publishSubgraph: ${JSON.stringify(body)}`);
  return body.data.publishSubgraph.supergraphVersion;
}
