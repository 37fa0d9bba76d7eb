import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../gateway/web/build.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { grant } from '../support/grants.ts';
import { personById } from '../support/fixtures.ts';
import { as } from '../support/tokens.ts';
import { CHROMIUM, launchBrowser, screenshot, watch, type Browser } from './helpers.ts';

/**
 * The catalog's sealed comparison form (issue 17 part 3) in a real browser: the claims are sealed in the
 * page, so no request the page sends carries one, and the page opens the sealed answer itself.
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

const ZHANG = '43010219850312123X';
const zhang = personById(ZHANG);

describe.skipIf(!haveChromium)('the catalog seals comparison claims in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    await ensureWebBuilt();
    stack = await startStack();
    await grant(stack, 'civil-affairs', ['Query.verifyPersons'], { purpose: '低保核对' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('seals, compares and opens the answer in the page; the gateway receives ciphertexts only', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    const bodies: string[] = [];
    page.on('request', (request) => { const body = request.postData(); if (body) bodies.push(body); });
    await page.goto(`${stack.gatewayUrl}/catalog/resource/POP-PERSON`);
    await page.getByLabel('部门').selectOption('civil-affairs');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '密封比对（网关不可见）' }).waitFor();
    await page.getByLabel('核验数据（CSV，第一行为字段名）').fill(`idNumber,name,birthDate\n${ZHANG},${zhang.name},1985年3月12日\n${ZHANG},张三\n`);
    await page.getByLabel('比对事由（X-Share-Purpose）').fill('低保核对');
    await page.getByRole('button', { name: '加密并比对' }).click();
    const table = page.getByRole('status').filter({ hasText: '已加密至比对密钥' });
    await table.waitFor();
    await screenshot(page, '30-sealed-compare');
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['1', 'true', 'true', 'true', '—', 'false'],
      ['2', 'true', 'false', '—', '—', 'false'],
    ]);
    expect(bodies.some((b) => b.includes('sealedClaims'))).toBe(true);
    for (const body of bodies) for (const value of [ZHANG, zhang.name, '张三', '1985年3月12日']) expect(body).not.toContain(value);
    expect(log.pageErrors).toEqual([]);
    const page2 = await stack.state.audit.page({ first: 5, visibleTo: 'all', consumer: 'civil-affairs' });
    expect(JSON.parse(page2.records.find((r) => r.operationName === 'CompareBatch')!.detail!).sealedClaims[0]).toMatchObject({ count: 2, field: 'Query.verifyPersons' });
    await page.close();
  });

  it('lets the provider rotate its claim key from the resource page, after a confirmation; a consumer sees no such control', async () => {
    const page = await browser.context.newPage();
    const log = watch(page);
    await page.goto(`${stack.gatewayUrl}/catalog/resource/POP-PERSON`);
    await page.getByLabel('部门').selectOption('civil-affairs');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '密封比对（网关不可见）' }).waitFor();
    expect(await page.getByRole('heading', { name: '比对密钥' }).count()).toBe(0);
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByLabel('部门').selectOption('public-security'); // provider role by default in the dev sign-in
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '比对密钥' }).waitFor();
    const before = (await catalogKid());
    await page.getByRole('button', { name: '当前密钥' }).click();
    await page.getByText(before).waitFor();
    await page.getByRole('button', { name: '更换比对密钥' }).click();
    // Nothing changes until it is confirmed.
    expect(await catalogKid()).toBe(before);
    await page.getByRole('button', { name: '确认更换' }).click();
    const status = page.getByRole('status').filter({ hasText: '已更换，新密钥' });
    await status.waitFor();
    await screenshot(page, '31-claim-key-rotated');
    const after = await catalogKid();
    expect(after).not.toBe(before);
    expect(await status.innerText()).toContain(after);
    expect(log.pageErrors).toEqual([]);
    await page.close();
  });

  async function catalogKid(): Promise<string> {
    const answer = await stack.query('{ resource(code: "POP-PERSON") { claimKey { kid } } }', {}, await as('tax'));
    return answer.body.data.resource.claimKey.kid as string;
  }
});
