import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/sample.ts';
import type { SubgraphProcessOptions } from './subgraph-process.ts';

export interface SubgraphProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGSTOP: the process is there, its sockets accept, nothing answers. */
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
}

/** Starts tests/faults/subgraph-process.ts as a process of its own; resolves once it listens. */
export async function startSubgraphProcess(options: SubgraphProcessOptions): Promise<SubgraphProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tests/faults/subgraph-process.ts'), JSON.stringify(options)], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subgraph process ${options.name} did not start: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening (\d+)/);
      if (match) { clearTimeout(timer); resolve(Number(match[1])); }
    });
    child.stderr!.on('data', (chunk) => { output += chunk; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`subgraph process ${options.name} exited (${code}): ${output}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    child,
    pause: () => { child.kill('SIGSTOP'); },
    resume: () => { child.kill('SIGCONT'); },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Milliseconds since `start`, rounded. */
export const since = (start: number) => Math.round(performance.now() - start);
