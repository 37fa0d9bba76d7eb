import { parseArgs } from 'node:util';
import { COMPARE_TARGETS, type CompareTarget } from './resources.ts';

/**
 * Claims per request at most: a batch must fit the gateway's default limits (CONTRACT §8: variables
 * 1 MiB, cost 50,000 with a result list's size multiplying its seven flags): 2,500 claims with full
 * addresses are about 0.5 MiB and cost 17,501.
 */
export const MAX_BATCH = 2_500;
/**
 * Sealed claims per request at most: each is 704 characters of base64url (a 512-byte padded claim and its
 * tag), so 1,400 of them and their sealing stay under the 1 MiB of variables (CONTRACT §8 defaults). A
 * larger `--batch` is sent as several requests.
 */
export const MAX_SEALED_BATCH = 1_400;

export interface CompareArgs {
  target: CompareTarget;
  input: string;
  output: string;
  gateway: string;
  token: string;
  purpose?: string;
  operator?: string;
  batch: number;
  parallel: number;
  /** Send the claims in clear (`--plain`) instead of sealed to the provider. */
  plain: boolean;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run compare -- --resource <code> --in <claims.csv> --out <results.csv> [options]

Compares claims with a provider's register through the gateway (数据不落地: the provider returns
match flags only) and writes one result row per claim. The claims are sealed to the provider's claim
key (fetched from the catalog, its gateway signature checked against /.well-known/jwks.json) and the
results come back sealed to this process: the gateway forwards ciphertexts only.

  --resource <code>   ${Object.values(COMPARE_TARGETS).map((t) => `${t.resource} (${t.field})`).join(', ')}
  --in <file>         CSV (UTF-8, RFC 4180) whose header row names the claim fields:
${Object.values(COMPARE_TARGETS).map((t) => `                        ${t.resource}: ${t.claimFields.join(',')}`).join('\n')}
                      the first is required, the others optional (an empty cell is not compared)
  --out <file>        results CSV: row (1-based claim number, header not counted) and the flags;
                      true/false, empty where the flag is null; limited=true where the provider
                      withheld a claimed value past its allowance (3 distinct values per field and
                      subject in 30 days), its flag then empty. An existing results file of an
                      interrupted run is resumed: its rows are kept and those claims skipped
  --gateway <url>     default http://127.0.0.1:4000
  --token <jwt>       department token (default: env GOVSHARE_TOKEN)
  --purpose <text>    purpose of use, sent as X-Share-Purpose (required by CONDITIONAL fields)
  --operator <id>     officer on whose behalf the department asks (X-Share-Operator)
  --batch <n>         claims per request, 1–${MAX_BATCH.toLocaleString('en-US')} (default 1000); sealed, at most
                      ${MAX_SEALED_BATCH.toLocaleString('en-US')} go in one request (a larger batch is sent as several)
  --parallel <n>      requests in flight, 1–8 (default 2)
  --plain             send the claims in clear (the gateway then sees them), for providers without a claim key

Exit status: 0 done; 1 the gateway refused or failed (the code is printed, e.g. SHARE_DENIED
with the resource to apply for); 2 bad arguments or input.`;

export function parseCompareArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CompareArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        resource: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' },
        gateway: { type: 'string' }, token: { type: 'string' }, purpose: { type: 'string' }, operator: { type: 'string' },
        batch: { type: 'string' }, parallel: { type: 'string' }, plain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const resource = values.resource;
  if (!resource) throw new UsageError('--resource is required');
  const target = COMPARE_TARGETS[resource];
  if (!target) throw new UsageError(`--resource ${resource} has no comparison; choose one of ${Object.keys(COMPARE_TARGETS).join(', ')}`);
  if (!values.in) throw new UsageError('--in <claims.csv> is required');
  if (!values.out) throw new UsageError('--out <results.csv> is required');
  const token = values.token ?? env.GOVSHARE_TOKEN;
  if (!token) throw new UsageError('a department token is required: --token <jwt> or env GOVSHARE_TOKEN (npm run token -- --dept <code>)');
  const plain = values.plain ?? false;
  const batch = integer('--batch', values.batch, 1000, 1, MAX_BATCH);
  const parallel = integer('--parallel', values.parallel, 2, 1, 8);
  const gateway = values.gateway ?? 'http://127.0.0.1:4000';
  try { new URL(gateway); } catch { throw new UsageError(`--gateway ${gateway} is not a URL`); }
  return {
    target, input: values.in, output: values.out, gateway, token, batch, parallel, plain,
    ...(values.purpose?.trim() ? { purpose: values.purpose.trim() } : {}),
    ...(values.operator?.trim() ? { operator: values.operator.trim() } : {}),
  };
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} takes a whole number from ${min} to ${max.toLocaleString('en-US')}, not "${text}"`);
  return n;
}
