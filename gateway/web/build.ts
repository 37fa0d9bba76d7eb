/**
 * Builds the playground and catalog web app (Vite) into `gateway/web/dist`, only when its sources or
 * the versions of the libraries it bundles changed since the last build (a stamp in dist records a
 * hash of both). Called by the root `prepare` script (so `npm install` / `npm ci` build it), by
 * `npm start` through `ensureWebBuilt()`, by the web tests, and lazily by the gateway when the
 * folder is missing.
 *
 *   tsx gateway/web/build.ts            build if stale
 *   tsx gateway/web/build.ts --force    build anyway
 *   tsx gateway/web/build.ts --if-possible  as the first, but only warn when Vite is not installed
 *                                           (an install without dev dependencies)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(WEB_ROOT, '../..');
export const DEFAULT_DIST_DIR = join(WEB_ROOT, 'dist');
const STAMP = '.build-stamp.json';
/** Libraries whose version changes the bundle. */
const BUNDLED = ['vite', '@vitejs/plugin-react', 'react', 'react-dom', 'graphiql', '@graphiql/react', '@graphiql/toolkit',
  'monaco-editor', 'monaco-graphql', 'echarts', 'graphql'];
const SKIP_DIRS = new Set(['dist', 'node_modules']);

export interface EnsureOptions {
  distDir?: string;
  /** Build even when the stamp says the output is current. */
  force?: boolean;
  log?: (message: string) => void;
}

export interface EnsureResult { built: boolean; distDir: string; ms: number }

/** Hash of everything the bundle is made from: the web sources and the bundled libraries' versions. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('dist.')) walk(path);
      } else if (entry.isFile() && entry.name !== 'web-routes.ts') {
        hash.update(relative(WEB_ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  walk(WEB_ROOT);
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  for (const name of BUNDLED) {
    let version = 'missing';
    try { version = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version; } catch {
      try { version = (require(`${name}/package.json`) as { version: string }).version; } catch { /* not installed */ }
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

/** True when `distDir` holds a build of the current sources. */
export function isWebBuildCurrent(distDir = DEFAULT_DIST_DIR, hash = webSourceHash()): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(distDir, STAMP), 'utf8')) as { hash?: string };
    return stamp.hash === hash && existsSync(join(distDir, 'playground/index.html')) && existsSync(join(distDir, 'catalog/index.html'));
  } catch {
    return false;
  }
}

export function isViteInstalled(): boolean {
  return existsSync(join(REPO_ROOT, 'node_modules/vite/package.json'));
}

const running = new Map<string, Promise<EnsureResult>>();

/**
 * Builds the web app unless `distDir` already holds a build of the current sources. Concurrent
 * calls in one process share one build; another process building at the same time is waited for
 * (a lock folder beside dist). The new build is made in a temporary folder and swapped in, so a
 * running gateway never serves half a build.
 */
export function ensureWebBuilt(options: EnsureOptions = {}): Promise<EnsureResult> {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  let build = running.get(distDir);
  if (!build) {
    build = ensure({ ...options, distDir }).finally(() => running.delete(distDir));
    running.set(distDir, build);
  }
  return build;
}

async function ensure({ distDir = DEFAULT_DIST_DIR, force = false, log = (m) => console.log(`[web] ${m}`) }: EnsureOptions): Promise<EnsureResult> {
  const started = Date.now();
  const hash = webSourceHash();
  if (!force && isWebBuildCurrent(distDir, hash)) return { built: false, distDir, ms: 0 };
  if (!isViteInstalled()) throw new Error('the web app cannot be built: Vite is not installed (install the dev dependencies: npm install)');

  const lock = `${distDir}.lock`;
  if (!await acquireLock(lock, () => !force && isWebBuildCurrent(distDir, hash))) return { built: false, distDir, ms: Date.now() - started };
  try {
    if (!force && isWebBuildCurrent(distDir, hash)) return { built: false, distDir, ms: Date.now() - started };
    log(`building the playground and catalog web app into ${relative(REPO_ROOT, distDir) || distDir} …`);
    const temporary = `${distDir}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    await runViteBuild(temporary);
    precompress(temporary);
    writeFileSync(join(temporary, STAMP), JSON.stringify({ hash, builtAt: new Date().toISOString() }, null, 2));
    const old = `${distDir}.${process.pid}.old`;
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(temporary, distDir);
    rmSync(old, { recursive: true, force: true });
    const ms = Date.now() - started;
    log(`web app built in ${(ms / 1000).toFixed(1)} s`);
    return { built: true, distDir, ms };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** mkdir is atomic: the process that creates the folder builds (true); others wait for its build (false); stale after 5 min. */
async function acquireLock(lock: string, doneElsewhere: () => boolean): Promise<boolean> {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
      if (age > 5 * 60_000) { rmSync(lock, { recursive: true, force: true }); continue; }
      if (doneElsewhere()) return false;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Vite runs in a child process: its bundler and memory stay out of the gateway or test process. */
function runViteBuild(outDir: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(WEB_ROOT, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      env: { ...process.env, GOVSHARE_WEB_OUT: outDir, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) {
        const warnings = output.trim();
        if (warnings) console.warn(warnings);
        resolvePromise();
      } else {
        reject(new Error(`vite build failed (exit ${code}):\n${output.slice(-4000)}`));
      }
    });
  });
}

/** `.gz` beside every compressible file over 1 KiB: served to browsers that accept gzip. */
function precompress(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) { precompress(path); continue; }
    if (!/\.(js|mjs|css|html|svg|json|txt|ttf|map)$/.test(entry.name)) continue;
    const content = readFileSync(path);
    if (content.length < 1024) continue;
    const gz = gzipSync(content, { level: 9 });
    if (gz.length < content.length * 0.9) writeFileSync(`${path}.gz`, gz);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = new Set(process.argv.slice(2));
  if (args.has('--if-possible') && !isViteInstalled() && !isWebBuildCurrent()) {
    console.warn('[web] Vite is not installed (dev dependencies omitted): the playground and catalog web app are not built.');
    process.exit(0);
  }
  try {
    const result = await ensureWebBuilt({ force: args.has('--force') });
    if (!result.built) console.log('[web] the playground and catalog web app are up to date');
  } catch (error) {
    console.error(`[web] ${(error as Error).message}`);
    process.exit(1);
  }
}
