import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { copyPgliteDataDir } from './databases.ts';
import { REPO_ROOT } from './sample.ts';
import { spawnedGatewayEnv } from './keys.ts';

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/**
 * Runs one of the repo's TypeScript entry points as its own process, as `npm run …` would. A gateway
 * started this way gets the test run's keys (`spawnedGatewayEnv`: the signing key its subgraphs were
 * given, the JWT key `as()` signs with) unless `env` says otherwise (`''` unsets one).
 */
export function spawnScript(script: string, args: string[], env: Record<string, string | undefined>): Spawned {
  const keys = spawnedGatewayEnv();
  const dataDir = env.GOVSHARE_DATA_DIR ?? freshDataDir(script === 'gateway/main.ts' && !env.GOVSHARE_STATE_DATABASE_URL);
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    // A private Redis key prefix unless the test shares one on purpose (replicas of one deployment).
    // and a data folder of its own, so an embedded registry never lands in the repo's .data/.
    env: {
      ...process.env,
      GOVSHARE_REDIS_PREFIX: `govshare-test-${randomBytes(5).toString('hex')}:`,
      // No background chain check at a random moment of a test (tests/evidence/chain-watch.test.ts).
      GOVSHARE_AUDIT_VERIFY_SECONDS: '0',
      ...keys,
      ...env,
      GOVSHARE_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  // 'close', not 'exit': only then has everything the process printed been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    // A folder made here is the process's alone (a test that looks into one names its own): gone with it.
    if (env.GOVSHARE_DATA_DIR === undefined) {
      try { rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 }); } catch { /* a child of it still writing: left to the OS's tmp cleaning */ }
    }
    resolve(code);
  }));
  return {
    child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A data folder of the process's own. A gateway's gets a copy of the migrated, empty records template
 * (global-setup), as it would find them on its second start: creating a PGlite cluster costs ~3 s of CPU
 * per process. Suites about a first start pass a folder of their own, which stays empty.
 */
function freshDataDir(withRecords: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-data-'));
  const template = withRecords ? inject('recordsTemplate') : '';
  if (template) copyPgliteDataDir(template, join(dir, 'records'));
  return dir;
}

/** Polls until `check` is true or the time is up. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
