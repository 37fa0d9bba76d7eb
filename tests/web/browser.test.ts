import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../gateway/web/build.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { bareGateway, CHROMIUM, cleanArtifacts, foreign, isFocused, launchBrowser, productionPublicKey, screenshot, tabTo, watch, signInAs, signOut, type Browser } from './helpers.ts';

/**
 * The playground and the catalog in a real browser (Debian's chromium, headless), against the
 * seven sample subgraphs and a gateway. Screenshots go to test-artifacts/web/.
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

describe.skipIf(!haveChromium)('playground and catalog in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    await cleanArtifacts();
    stack = await startStack();
    origin = stack.gatewayUrl;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function responseText(page: Page): Promise<string> {
    return page.locator('.graphiql-response').innerText();
  }

  /** Opens a saved operation's tab, waits for Monaco to hold it, runs it and waits for `expected` in the response. */
  async function runSaved(page: Page, operation: string, expected: string, artifact: string): Promise<void> {
    // Monaco first shows the first saved tab; only then does a tab switch reach the editor.
    await page.locator('.graphiql-query-editor', { hasText: 'query MaskedName' }).waitFor();
    const editor = page.locator('.graphiql-query-editor', { hasText: `query ${operation}` });
    for (let attempt = 0; attempt < 3 && !(await editor.isVisible()); attempt++) {
      await page.getByRole('tab', { name: new RegExp(operation) }).getByRole('button').first().click();
      await editor.waitFor({ timeout: 5_000 }).catch(() => {});
    }
    await editor.waitFor();
    // GraphiQL can run a freshly switched tab once with the previous tab's operationName (its state lags
    // the editor under load): the gateway then answers BAD_USER_INPUT, and running it again is what a user does.
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.getByRole('button', { name: /^Execute query/ }).click();
      const answered = await page.locator('.graphiql-response', { hasText: expected }).waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (answered || !(await responseText(page).catch(() => '')).includes('names no operation')) break;
    }
    await page.locator('.graphiql-response', { hasText: expected }).waitFor({ timeout: 20_000 }).catch(async (error: Error) => {
      await screenshot(page, `${artifact}-FAILED`, false);
      throw new Error(`${error.message}\nthe response pane shows: ${await responseText(page).catch(() => '?')}`);
    });
  }

  it('tax applies for Person.mobile, public-security approves, the playground shows it masked', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      await page.goto(`${origin}/catalog`);
      await page.getByLabel('部门').waitFor();
      await screenshot(page, '01-sign-in');
      await signInAs(page, 'tax');

      // Search the catalog for 人口 and open POP-PERSON.
      await page.getByLabel('搜索资源').fill('人口');
      await page.getByRole('button', { name: '搜索' }).click();
      // The unfiltered list already has this link: wait for the search's own result, then check it.
      await page.getByText('共 1 项资源').waitFor();
      expect(await page.getByRole('link', { name: '人口基础信息' }).count()).toBe(1);
      expect(await page.getByRole('link', { name: '社会保障' }).count()).toBe(0);
      await screenshot(page, '02-catalog-search');
      await page.getByRole('link', { name: '人口基础信息' }).click();
      await page.getByRole('heading', { name: '人口基础信息' }).waitFor();
      expect(await page.getByRole('cell', { name: 'Person.mobile' }).count()).toBe(1);

      // Apply for Person.mobile.
      await page.getByRole('checkbox', { name: /Person\.mobile/ }).check();
      await page.getByLabel('用途').fill('税务稽查');
      await page.getByRole('button', { name: '提交申请' }).click();
      const notice = page.getByText(/申请已提交，状态 待审批，答复期限 \d{4}-\d{2}-\d{2}/);
      await notice.waitFor();
      await screenshot(page, '03-applied');
      await page.getByRole('link', { name: '我的申请' }).first().click();
      await page.getByRole('heading', { name: '我的申请' }).waitFor();
      await page.getByRole('cell', { name: '税务稽查' }).waitFor();
      await screenshot(page, '04-my-applications');

      // public-security approves it in its inbox.
      await signOut(page);
      await signInAs(page, 'public-security');
      await page.getByRole('link', { name: '待审批' }).click();
      const pending = page.locator('article', { hasText: 'tax → POP-PERSON' });
      await pending.waitFor();
      await screenshot(page, '05-provider-inbox');
      await pending.getByRole('button', { name: '批准' }).click();
      await page.getByText(/^已批准：/).first().waitFor();
      await screenshot(page, '06-approved');

      // tax runs the tour query in the playground: the mobile comes back masked.
      await signOut(page);
      await signInAs(page, 'tax');
      await page.getByRole('link', { name: '调试台' }).click();
      await page.waitForURL(`${origin}/playground`);
      await runSaved(page, 'PersonMobile', '138****8000', '07-playground-masked-mobile');
      expect(await responseText(page)).toContain('张*');
      await screenshot(page, '07-playground-masked-mobile', false);

      // Every request the browser made went to the gateway itself.
      expect(log.requests.length).toBeGreaterThan(10);
      expect(foreign(log.requests, origin)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('loads the playground and the catalog with every other origin blocked, without errors', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    const blocked: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || /^(data|blob):/.test(url)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    try {
      await page.goto(`${origin}/playground`);
      await signInAs(page, 'tax');
      // GraphiQL with Monaco, its workers and the introspected schema of tax's own API.
      await page.getByRole('button', { name: /^Execute query/ }).waitFor();
      await page.locator('.graphiql-query-editor .view-lines').waitFor();
      await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
      await page.getByText('Root Types').waitFor({ timeout: 15_000 });
      await screenshot(page, '08-playground-docs', false);

      await page.goto(`${origin}/catalog`);
      await page.getByRole('link', { name: '人口基础信息' }).waitFor();
      // English on request, and back.
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { name: 'Catalog' }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('en');
      await screenshot(page, '08b-catalog-english');
      await page.getByRole('button', { name: '切换到中文' }).click();
      await page.getByRole('heading', { name: '资源目录' }).waitFor();
      await page.goto(`${origin}/catalog/resource/POP-PERSON`);
      await page.getByRole('heading', { name: '申请有条件共享字段' }).waitFor();
      await page.goto(`${origin}/catalog/evaluation`);
      await page.locator('.chart-canvas svg').first().waitFor();
      await screenshot(page, '09-evaluation');
      await page.goto(`${origin}/catalog/audit`);
      await page.getByText(/哈希链校验通过/).waitFor();
      await screenshot(page, '10-audit');

      expect(blocked).toEqual([]);
      expect(foreign(log.requests, origin)).toEqual([]);
      expect(log.consoleErrors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('offers no dev sign-in where the gateway has production keys', async () => {
    const production = await bareGateway({ GOVSHARE_JWT_PUBLIC_KEY: productionPublicKey() });
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      await page.goto(`${production.gateway.url}/playground`);
      await page.getByLabel('访问令牌（JWT）').waitFor();
      expect(await page.getByLabel('部门').count()).toBe(0);
      expect(log.requests.filter((url) => url.includes('dev-token'))).toEqual([]);
      const refused = await page.request.post(`${production.gateway.url}/playground/dev-token`, { data: { department: 'tax' } });
      expect(refused.status()).toBe(404);
      await screenshot(page, '11-production-sign-in');
      expect(log.consoleErrors).toEqual([]);

      // A token the gateway does not accept: the API's refusal in words, with its code.
      const forged = ['{"alg":"HS256","typ":"JWT"}', '{"sub":"tax","roles":["consumer"],"exp":4102444800}']
        .map((part) => Buffer.from(part).toString('base64url')).join('.') + '.c2lnbmF0dXJl';
      await page.getByLabel('访问令牌（JWT）').fill(forged);
      await page.getByRole('button', { name: '使用此令牌' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('UNAUTHENTICATED');
      expect(await alert.innerText()).toContain('身份未通过验证');
      await screenshot(page, '11b-production-token-refused');
    } finally {
      await page.close();
      await production.close();
    }
  });

  it('the catalog search and the apply form work with the keyboard alone, every control labelled', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/catalog`);
      // Sign in with the keyboard too.
      const department = page.getByLabel('部门');
      expect(await tabTo(page, () => isFocused(department))).toBe(true);
      await page.keyboard.press('Tab'); // consumer
      await page.keyboard.press('Tab'); // provider
      await page.keyboard.press('Tab'); // admin
      await page.keyboard.press('Tab'); // 登录
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: '退出' }).waitFor();

      const search = page.getByRole('searchbox', { name: '搜索资源' });
      expect(await tabTo(page, () => isFocused(search))).toBe(true);
      await page.keyboard.type('人口');
      await page.keyboard.press('Enter');
      const link = page.getByRole('link', { name: '人口基础信息' });
      await link.waitFor();
      expect(await tabTo(page, () => isFocused(link))).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: '申请有条件共享字段' }).waitFor();

      // Every form control of the apply form has an accessible name.
      for (const control of ['用途', '需要原始值（不脱敏）', '有效期至（可选，最长一年）']) expect(await page.getByLabel(control).count(), control).toBe(1);
      const address = page.getByRole('checkbox', { name: /Person\.householdAddress/ });
      expect(await tabTo(page, () => isFocused(address))).toBe(true);
      await page.keyboard.press('Space');
      expect(await address.isChecked()).toBe(true);
      const purpose = page.getByRole('textbox', { name: '用途' });
      expect(await tabTo(page, () => isFocused(purpose))).toBe(true);
      await page.keyboard.type('户籍地核实');
      const submit = page.getByRole('button', { name: '提交申请' });
      expect(await tabTo(page, () => isFocused(submit))).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByText(/申请已提交/).waitFor();
      await screenshot(page, '12-keyboard-applied');

      // The same application again: the gateway refuses it, and the page says so with the code.
      expect(await tabTo(page, () => isFocused(submit))).toBe(true);
      await page.keyboard.press('Enter');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/BAD_USER_INPUT[\s\S]*输入有误[\s\S]*already pending/);
      await screenshot(page, '12b-api-error');

      // No unlabelled form control anywhere on the page.
      const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => {
          const name = el.labels?.length ? [...el.labels].map((l) => l.textContent).join('') : el.getAttribute('aria-label') ?? (el.tagName === 'BUTTON' ? el.textContent : '');
          return !name?.trim();
        }).map((el) => el.outerHTML.slice(0, 120))`);
      expect(unlabelled).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a 390-pixel phone screen without sideways scrolling', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${origin}/catalog`);
      await signInAs(page, 'public-security');
      const pages: Array<[string, string, () => Promise<unknown>]> = [
        ['/catalog', '13-phone-catalog', () => page.getByRole('link', { name: '人口基础信息' }).waitFor()],
        ['/catalog/resource/POP-PERSON', '14-phone-resource', () => page.getByRole('heading', { name: '申请有条件共享字段' }).waitFor()],
        ['/catalog/inbox', '15-phone-inbox', () => page.getByRole('heading', { name: '待处理' }).waitFor()],
        ['/catalog/evaluation', '16-phone-evaluation', () => page.locator('.chart-canvas svg').first().waitFor()],
        ['/catalog/audit', '17-phone-audit', () => page.getByText(/哈希链校验通过/).waitFor()],
        ['/playground', '18-phone-playground', async () => {
          await runSaved(page, 'MaskedName', '张*', '18-phone-playground');
          expect(await page.locator('.graphiql-response').isVisible()).toBe(true);
        }],
      ];
      for (const [path, name, ready] of pages) {
        await page.goto(`${origin}${path}`);
        await ready();
        await screenshot(page, name);
        const width = await page.evaluate('document.documentElement.scrollWidth') as number;
        expect(width, path).toBeLessThanOrEqual(390);
      }
    } finally {
      await page.close();
    }
  });
});
