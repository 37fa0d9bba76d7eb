import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../gateway/web/build.ts';
import type { Stack } from '../support/stack.ts';
import { movableClock, startStagedStack, workflowClient } from '../support/workflow-stages.ts';
import { CHROMIUM, foreign, launchBrowser, screenshot, watch, signInAs, signOut, type Browser } from './helpers.ts';

/**
 * The catalog app through the life of an application across review stages (issue 16 "done means"):
 * the data authority pre-reviews and extends, the provider refuses, the consumer escalates, the
 * authority overturns; deadlines, stages and overdue marks as each party sees them. Real browser
 * (Debian's chromium, headless), real gateway and subgraphs; screenshots in test-artifacts/web/.
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

describe.skipIf(!haveChromium)('review stages in the catalog app', () => {
  const clock = movableClock('2026-09-30T02:00:00Z'); // 10:00 in Shanghai, the day before National Day
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    stack = await startStagedStack('pglite', clock.now);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Dev sign-in through the page's own picker, with the department's default roles (data-bureau: admin). */
  async function signIn(page: Page, department: string): Promise<void> {
    await page.goto(`${stack.gatewayUrl}/catalog`);
    await signInAs(page, department);
  }
  async function openInbox(page: Page): Promise<void> {
    await page.getByRole('link', { name: '待审批' }).click();
    await page.getByRole('heading', { name: /待审批的申请/ }).waitFor();
  }

  it('shows each party its stage, deadline, extension, escalation and overdue marks', async () => {
    const c = workflowClient(stack);
    const id = (await c.apply('tax', 'POP-PERSON', ['Person.mobile'])).data.applyForAccess.id as string;
    const page = await browser.context.newPage();
    const log = watch(page);
    try {
      // The data authority: the application waits in its pre-review, due 10-09; it extends, then passes it on.
      await signIn(page, 'data-bureau');
      await openInbox(page);
      const card = page.locator(`li[data-application="${id}"] article`);
      await card.getByText('符合性审查').first().waitFor();
      expect(await card.getByText('2026-10-09').count()).toBeGreaterThan(0);
      await screenshot(page, 'stages-01-pre-review');
      await card.getByLabel('延长工作日（1–10）').fill('2');
      await card.getByLabel('延期理由').fill('材料需补正');
      await card.getByRole('button', { name: '延期' }).click();
      await page.getByText('已延期，新的期限为 2026-10-12。').waitFor();
      await page.locator(`li[data-application="${id}"] article`).getByText('已延期 2 个工作日：材料需补正').first().waitFor();
      await page.locator(`li[data-application="${id}"] article`).getByRole('button', { name: '批准' }).click();
      await page.getByText(/^待审批：/).waitFor();
      // Passed on, it waits at the provider: the authority that pre-reviewed it does not decide it too.
      const waiting = page.locator(`tr[data-application="${id}"]`);
      await waiting.locator('.stage-badge', { hasText: '提供方审核' }).waitFor();
      expect(await page.locator(`li[data-application="${id}"]`).count()).toBe(0);
      await signOut(page);

      // The provider: due 10-20 (10 working days from 09-30), the pre-review shown passed; it refuses.
      await signIn(page, 'public-security');
      await openInbox(page);
      const providerCard = page.locator(`li[data-application="${id}"] article`);
      await providerCard.getByText('2026-10-20').first().waitFor();
      await providerCard.getByText(/通过/).first().waitFor();
      await screenshot(page, 'stages-02-provider');
      await providerCard.getByLabel('驳回理由').fill('不属于共享范围');
      await providerCard.getByRole('button', { name: '驳回' }).click();
      await page.getByText(/^已驳回：/).waitFor();
      await signOut(page);

      // The consumer sees the refusal and its reason, and escalates it to the data authority.
      await signIn(page, 'tax');
      await page.getByRole('link', { name: '我的申请' }).first().click();
      const row = page.locator(`tr[data-application="${id}"]`);
      await row.getByRole('cell', { name: /不属于共享范围/ }).first().waitFor();
      await row.locator('summary', { hasText: '申请争议协调' }).click();
      await row.getByLabel('申请协调的理由').fill('该字段属有条件共享，用途明确');
      await row.locator('form').getByRole('button', { name: '申请争议协调' }).click();
      await page.getByText('已提交争议协调，政务服务数据管理局 须在 2026-10-13 前作出决定。').waitFor();
      await page.locator(`tr[data-application="${id}"] .stage-badge`, { hasText: '争议协调' }).waitFor();
      await screenshot(page, 'stages-03-escalated');
      await signOut(page);

      // The authority overturns the refusal: the grant is created, the whole life shown in three stages.
      await signIn(page, 'data-bureau');
      await openInbox(page);
      const escalation = page.locator(`li[data-application="${id}"] article`);
      await escalation.getByText('该字段属有条件共享，用途明确').first().waitFor();
      await escalation.getByLabel('协调意见').fill('经协调，符合共享条件');
      await escalation.getByRole('button', { name: '撤销驳回（创建授权）' }).click();
      await page.getByText(/^已批准：/).waitFor();
      const decided = page.locator(`tr[data-application="${id}"]`);
      await decided.locator('summary', { hasText: '3 个环节' }).click();
      for (const text of ['符合性审查', '已延期 2 个工作日：材料需补正', '提供方审核', '不属于共享范围', '撤销驳回，予以共享', '经协调，符合共享条件']) {
        await decided.getByText(text).first().waitFor();
      }
      expect(await decided.getByText('有效').count()).toBeGreaterThan(0); // the grant
      await screenshot(page, 'stages-04-decided');
      expect((await stack.state.grants.list({ consumer: 'tax' })).filter((g) => g.applicationId === id)).toHaveLength(1);

      // A pre-review left past its deadline is marked overdue, stage and card.
      const late = (await c.apply('civil-affairs', 'POP-PERSON', ['Person.maritalStatus'])).data.applyForAccess.id as string;
      clock.set('2026-10-09T16:01:00Z');
      await page.getByRole('link', { name: '资源目录', exact: true }).click();
      await openInbox(page);
      const overdue = page.locator(`li[data-application="${late}"]`);
      await overdue.locator('.stage.is-overdue').waitFor();
      expect(await overdue.getAttribute('class')).toContain('is-overdue');
      expect(await overdue.getByText('已超期').count()).toBeGreaterThan(0);
      await screenshot(page, 'stages-05-overdue');

      expect(log.pageErrors).toEqual([]);
      expect(log.consoleErrors).toEqual([]);
      expect(foreign(log.requests, stack.gatewayUrl)).toEqual([]);
    } catch (error) {
      await screenshot(page, 'stages-FAILED').catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  }, 120_000);
});
