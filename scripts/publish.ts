/**
 * Provider self-service from the command line, through the gateway's own API:
 *   npm run publish -- --name <n> --url <u> [--token <jwt>] [--gateway http://127.0.0.1:4000]
 *   npm run publish -- --unpublish <n>
 *   npm run publish -- --rollback <supergraphVersion>        (admin)
 *   npm run publish -- --history
 * The token comes from --token or GOVSHARE_TOKEN. Prints each check and the result; exit code 0 only on success.
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    name: { type: 'string' }, url: { type: 'string' }, unpublish: { type: 'string' }, rollback: { type: 'string' },
    history: { type: 'boolean' }, token: { type: 'string' }, gateway: { type: 'string' },
  },
});
const gateway = (values.gateway ?? process.env.GOVSHARE_GATEWAY ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
const token = values.token ?? process.env.GOVSHARE_TOKEN;
const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string, code = 1): never => { process.stderr.write(`${message}\n`); process.exit(code); };

if (!token) fail('a token is needed: --token <jwt> or GOVSHARE_TOKEN (e.g. npm run token -- --dept <your department> --roles provider)', 2);

async function call(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  let response: Response;
  try {
    response = await fetch(`${gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    return fail(`✗ gateway ${gateway} is not reachable: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
  }
  const body = await response.json().catch(() => null) as any;
  if (!body) fail(`✗ gateway answered ${response.status} without JSON`);
  if (body.errors?.length) fail(body.errors.map((e: any) => `✗ ${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n'));
  return body.data;
}

const RESULT = 'ok supergraphVersion checks { name ok detail } errors { code message coordinate } warnings { code message coordinate }';

function report(result: any, done: string): void {
  for (const check of result.checks) say(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  for (const e of result.errors) say(`  error   ${e.code}${e.coordinate ? ` at ${e.coordinate}` : ''}: ${e.message}`);
  for (const w of result.warnings) say(`  warning ${w.code}${w.coordinate ? ` at ${w.coordinate}` : ''}: ${w.message}`);
  if (result.ok) say(`${done}: supergraph ${result.supergraphVersion} is served`);
  else fail('nothing was changed');
}

const me = (await call('{ me { code name roles } }')).me;
say(`✓ gateway ${gateway}: signed in as ${me.code} (${me.name}), roles ${me.roles.join(', ')}`);

if (values.history) {
  for (const e of (await call('{ supergraphHistory { at action version previousVersion subgraph by } }')).supergraphHistory) {
    say(`${e.at}  ${e.action.padEnd(9)} ${e.version}  ← ${e.previousVersion ?? '—'}  ${e.subgraph ?? ''} by ${e.by}`);
  }
} else if (values.rollback) {
  say(`… rolling back to supergraph ${values.rollback}`);
  report((await call(`mutation($v: String!) { rollbackSupergraph(version: $v) { ${RESULT} } }`, { v: values.rollback })).rollbackSupergraph, 'rolled back');
} else if (values.unpublish) {
  say(`… unpublishing ${values.unpublish}`);
  report((await call(`mutation($n: String!) { unpublishSubgraph(name: $n) { ${RESULT} } }`, { n: values.unpublish })).unpublishSubgraph, 'unpublished');
} else {
  if (!values.name || !values.url) fail('usage: npm run publish -- --name <subgraph> --url <http://host:port/graphql> [--token <jwt>] [--gateway <url>]', 2);
  say(`… publishing ${values.name} from ${values.url}`);
  report((await call(`mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ${RESULT} } }`, { n: values.name, u: values.url })).publishSubgraph, 'published');
}
