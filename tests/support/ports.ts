import { createServer } from 'node:net';

/**
 * Ports a test may reserve without binding them at once (a subgraph started later, a gateway process
 * told its port): below Linux's ephemeral range (32768–60999), so neither the OS nor a server started on
 * port 0 ever hands one out, and a block of them per vitest worker (`VITEST_POOL_ID`, 1…maxWorkers), so
 * that files running side by side never pick the same one. An OS-picked free port was not enough: another
 * worker could be given it before the test bound it (EADDRINUSE, seen with three workers).
 */
const FIRST = 20_000;
const BLOCK = 1_000;
const BLOCKS = 12;

let next = 0;

/** A port nothing listens on right now, this worker's alone to hand out, for a server a test starts itself. */
export async function freePort(): Promise<number> {
  const block = Number(process.env.VITEST_POOL_ID ?? 0) % BLOCKS;
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = FIRST + block * BLOCK + (next++ % BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST + block * BLOCK}–${FIRST + (block + 1) * BLOCK - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
