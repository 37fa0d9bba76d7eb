import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../gateway/web/build.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { as, testToken } from '../support/tokens.ts';
import { CHROMIUM, foreign, launchBrowser, screenshot, watch, signInAs, signOut, type Browser } from './helpers.ts';

const ZHANG = '43010219850312123X';

/**
 * The catalog's recall notices, the provider's "who was told" and the subject access log, in a real
 * browser against the sample stack. Screenshots go to test-artifacts/web/ (20-…).
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

describe.skipIf(!haveChromium)('recall notices and the subject access log in the catalog', () => {
  let stack: Stack;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    stack = await startStack();
    origin = stack.gatewayUrl;
    browser = await launchBrowser();
    // tax read 张伟's name and reported it wrong; housing read only his gender.
    for (const [department, query] of [['tax', `{ person(idNumber: "${ZHANG}") { name } }`], ['housing', `{ person(idNumber: "${ZHANG}") { gender } }`]]) {
      expect((await stack.query(query!, {}, await as(department!, { purpose: '税务稽查' }))).body.errors).toBeUndefined();
    }
    const reported = await stack.query('mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.name", recordKey: "43010219850312123X", description: "姓名用字有误" }) { id } }', {}, await as('tax'));
    expect(reported.body.errors).toBeUndefined();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signInWithToken(page: Page, token: string): Promise<void> {
    await page.getByLabel('访问令牌（JWT）').fill(token);
    await page.getByRole('button', { name: '使用此令牌' }).click();
    await page.getByRole('button', { name: '退出' }).waitFor();
  }

  it('the provider corrects a record and sees who was told; the consumer reads its notice; a service desk sees who read the person', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      await page.goto(`${origin}/catalog`);
      await signInAs(page, 'public-security');
      await page.getByRole('link', { name: '信息校核' }).click();
      const issue = page.locator('article', { hasText: 'Person.name' });
      await issue.waitFor();
      await issue.getByLabel('处理结果').selectOption('CORRECTED');
      await issue.getByLabel('办理说明').fill('已按户籍档案更正');
      await issue.getByRole('button', { name: '办结' }).click();
      const told = page.getByRole('region', { name: '已通知的使用部门' });
      await told.waitFor();
      expect(await told.innerText()).toContain('税务局');
      expect(await told.innerText()).not.toContain('housing');
      expect(await told.innerText()).toContain('未读');
      await screenshot(page, '20-provider-sees-who-was-told');
      await signOut(page);

      await signInAs(page, 'tax');
      await page.getByRole('link', { name: '召回通知' }).click();
      await page.getByRole('heading', { name: '数据更正召回通知' }).waitFor();
      const notice = page.locator('article', { hasText: 'Person.name' });
      await notice.waitFor();
      expect(await notice.innerText()).toContain(ZHANG);
      expect(await notice.innerText()).toContain('已按户籍档案更正');
      await screenshot(page, '21-consumer-recall-notice');
      await notice.getByRole('button', { name: '标记为已读' }).click();
      await notice.getByText('已读', { exact: true }).waitFor();
      await page.getByText('0 条未读').waitFor();

      // tax may not look people up: the page shows the API's refusal with its code.
      await page.getByRole('link', { name: '数据访问查询' }).click();
      await page.getByLabel('主体标识').fill(ZHANG);
      await page.getByRole('button', { name: '查询' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('FORBIDDEN');
      await screenshot(page, '22-subject-log-refused');
      await signOut(page);

      // The provider now sees that tax read the notice.
      await signInAs(page, 'public-security');
      await page.getByRole('link', { name: '信息校核' }).click();
      await page.getByRole('region', { name: '已通知的使用部门' }).getByText(/已于 .* 阅读/).waitFor();
      await signOut(page);

      // A service desk (政务服务窗口) looks 张伟 up, in another spelling.
      await signInWithToken(page, await testToken('data-bureau', { roles: ['service-desk'] }));
      await page.getByRole('link', { name: '数据访问查询' }).click();
      await page.getByLabel('主体标识').fill(ZHANG.toLowerCase());
      await page.getByRole('button', { name: '查询' }).click();
      await page.getByText(/共 \d+ 条读取记录/).waitFor();
      const rows = page.locator('table tbody tr');
      const texts = await rows.allInnerTexts();
      expect(texts.some((t) => t.includes('税务局') && t.includes('Person.name') && t.includes('税务稽查'))).toBe(true);
      expect(texts.some((t) => t.includes('住房和城乡建设局') && t.includes('Person.gender'))).toBe(true);
      await screenshot(page, '23-subject-access-log');

      expect(foreign(log.requests, origin)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      expect(log.consoleErrors.filter((e) => !e.includes('403'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('every control of the new pages is labelled, in English too', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/catalog`);
      await signInAs(page, 'tax');
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('link', { name: 'Recall notices' }).click();
      await page.getByRole('heading', { name: 'Recall notices' }).waitFor();
      await page.getByRole('link', { name: 'Who read this data' }).click();
      await page.getByRole('heading', { name: 'Who read this data' }).waitFor();
      expect(await page.getByLabel('Subject key').count()).toBe(1);
      const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent?.trim())).length`);
      expect(unlabelled).toBe(0);
      await page.getByRole('button', { name: '切换到中文' }).click();
    } finally {
      await page.close();
    }
  });
});
