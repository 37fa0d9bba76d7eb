import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import type { StateStores } from '../../gateway/state/index.ts';
import { openPrivateState } from '../support/stack.ts';
import { REPO_ROOT } from '../support/sample.ts';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts', 'web');

/** The flags this closed network needs: nothing of Chromium's own phones home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh, private user-data dir (removed on close). */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'govshare-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Everything a page asked for and complained about. */
export interface PageLog { requests: string[]; consoleErrors: string[]; pageErrors: string[] }

export function watch(page: Page): PageLog {
  const log: PageLog = { requests: [], consoleErrors: [], pageErrors: [] };
  page.on('request', (request) => log.requests.push(request.url()));
  page.on('console', (message) => { if (message.type() === 'error') log.consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => log.pageErrors.push(error.message));
  return log;
}

/** Requests that went anywhere but the gateway (data: and blob: URLs stay in the page). */
export function foreign(requests: readonly string[], origin: string): string[] {
  return requests.filter((url) => !url.startsWith(`${origin}/`) && url !== origin && !/^(data|blob):/.test(url));
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Presses Tab until `target` has the focus (at most `max` times); false if it never does. */
export async function tabTo(page: Page, isTarget: () => Promise<boolean>, max = 60): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    if (await isTarget()) return true;
    await page.keyboard.press('Tab');
  }
  return isTarget();
}

/** Whether the element has the keyboard focus (a string: the root tsconfig has no DOM types). */
export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);
}

export async function cleanArtifacts(): Promise<void> {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** A gateway with only the platform API: enough for the web routes, up in well under a second. */
export async function bareGateway(env: NodeJS.ProcessEnv): Promise<{ gateway: Gateway; close(): Promise<void> }> {
  const state: StateStores = await openPrivateState();
  // A data dir of its own: the keys it generates (embedded mode) never land in the repo's .data/.
  const dataDir = mkdtempSync(join(tmpdir(), 'govshare-web-gateway-'));
  const gateway = createGateway({ config: { ...gatewayConfigFromEnv({}), port: 0, subgraphs: [], dataDir }, env, state });
  await gateway.start();
  return { gateway, async close() { await gateway.close(); await state.close(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** An asymmetric public key: with it set the gateway runs with a production key source. */
export function productionPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Dev sign-in through the page's own department picker (roles follow the department's defaults). */
export async function signInAs(page: Page, department: string): Promise<void> {
  await page.getByLabel('部门').selectOption(department);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}

/** Signs out and waits for the picker to be back. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByLabel('部门').waitFor();
}
