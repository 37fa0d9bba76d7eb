import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../gateway/web/build.ts';
import type { Stack } from '../support/stack.ts';
import { movableClock, startStagedStack, workflowClient } from '../support/workflow-stages.ts';
import { CHROMIUM, foreign, launchBrowser, screenshot, watch, signInAs, type Browser } from './helpers.ts';

/**
 * The resource page's catalog metadata (GB/T 21063.3, 编制指南; issue 16 part 7) and the evaluation
 * page's escalation and extension counts, in a real browser against the sample stack under review
 * stages. Screenshots in test-artifacts/web/ (meta-…).
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

describe.skipIf(!haveChromium)('catalog metadata and escalation counts in the catalog app', () => {
  const clock = movableClock('2026-11-02T02:00:00Z'); // a Monday, 10:00 in Shanghai
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    stack = await startStagedStack('pglite', clock.now);
    browser = await launchBrowser();

    // Three refusals by public-security, each escalated by tax: one upheld, one overturned, one open;
    // the first one's provider stage extended once.
    const c = workflowClient(stack);
    const ok = (body: { errors?: unknown }) => expect(body.errors).toBeUndefined();
    const ids: string[] = [];
    for (const field of ['Person.mobile', 'Person.householdAddress', 'Person.maritalStatus']) {
      const applied = await c.apply('tax', 'POP-PERSON', [field]);
      ok(applied);
      const id = applied.data.applyForAccess.id as string;
      ok(await c.review('data-bureau', c.AUTHORITY, id, true));
      ids.push(id);
    }
    ok(await c.extend('public-security', c.PROVIDER, ids[0]!, 2, '需核实用途'));
    for (const id of ids) {
      ok(await c.review('public-security', c.PROVIDER, id, false, '用途与所申请字段不符'));
      ok(await c.escalate('tax', c.CONSUMER, id, '用途已在申请中写明'));
    }
    ok(await c.decide('data-bureau', c.AUTHORITY, ids[0]!, false, '维持提供方意见'));
    ok(await c.decide('data-bureau', c.AUTHORITY, ids[1]!, true, '用途合规，予以共享'));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signIn(page: Page, department: string): Promise<void> {
    await page.goto(`${stack.gatewayUrl}/catalog`);
    await signInAs(page, department);
  }

  it('shows a resource\'s core metadata and item data types, and follows a related resource', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      await signIn(page, 'tax');
      await page.goto(`${stack.gatewayUrl}/catalog/resource/POP-PERSON`);
      const metadata = page.getByRole('region', { name: '目录元数据' });
      await metadata.waitFor();
      const text = await metadata.innerText();
      for (const expected of ['101001/000001', '数据库', '共享平台接口（/graphql）', '不予开放', '含公民身份和户籍等个人信息，依法不向社会开放',
        '公安局 (public-security)', '2026-11-20', '人口', '身份核验', '电子证照', '105001/000001', '社会救助', '307012001/000001']) {
        expect(text, expected).toContain(expected);
      }
      expect(await metadata.getByRole('list', { name: '关键字' }).getByRole('listitem').allInnerTexts()).toEqual(['人口', '户籍', '身份核验', '婚姻状况']);
      const idRow = page.locator('tr', { has: page.locator('code', { hasText: /^Person\.idNumber$/ }) });
      expect(await idRow.locator('td').nth(1).innerText()).toMatch(/^字符型\s+ID!$/);
      const licensesRow = page.locator('tr', { has: page.locator('code', { hasText: /^Query\.persons$/ }) });
      expect(await licensesRow.locator('td').nth(1).innerText()).toMatch(/^对象型\s+\[Person\]!$/);
      await screenshot(page, 'meta-01-resource-metadata');

      await metadata.getByRole('link', { name: '电子证照' }).click();
      await page.getByRole('heading', { name: '电子证照', level: 1 }).waitFor();
      const license = await page.getByRole('region', { name: '目录元数据' }).innerText();
      expect(license).toContain('105001/000001');
      expect(license).toContain('电子文件');

      // SOC-INSURANCE declares no maintainer or date: the provider and the day the platform saw it change.
      await page.goto(`${stack.gatewayUrl}/catalog/resource/SOC-INSURANCE`);
      const social = page.getByRole('region', { name: '目录元数据' });
      await social.waitFor();
      expect(await social.innerText()).toContain('人力资源和社会保障局 (human-resources)');
      expect(await social.innerText()).toMatch(/元数据更新日期\s+\d{4}-\d{2}-\d{2}/);

      expect(foreign(log.requests, stack.gatewayUrl)).toEqual([]);
      expect(log.consoleErrors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows each provider\'s escalations received, pending, upheld and overturned, and its extensions', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      await signIn(page, 'data-bureau');
      await page.goto(`${stack.gatewayUrl}/catalog/evaluation`);
      await page.getByRole('heading', { name: '争议协调结果' }).waitFor();
      const row = page.locator('tr', { has: page.getByRole('rowheader', { name: /公安局/ }) });
      await row.waitFor();
      expect((await row.locator('td[data-label="争议协调 收到/协调中/维持/撤销"]').innerText()).replace(/\s+/g, ' ')).toBe('3 / 1 / 1 / 1');
      expect(await row.locator('td[data-label="延期"]').innerText()).toBe('1');
      const other = page.locator('tr', { has: page.getByRole('rowheader', { name: /民政局/ }) });
      expect((await other.locator('td[data-label="争议协调 收到/协调中/维持/撤销"]').innerText()).replace(/\s+/g, ' ')).toBe('0 / 0 / 0 / 0');
      // The chart is drawn (an empty one would say 暂无数据 instead).
      await page.locator('figure', { has: page.getByRole('heading', { name: '争议协调结果' }) }).locator('.chart-canvas svg').waitFor();
      await screenshot(page, 'meta-02-evaluation-escalations');
      expect(log.consoleErrors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
