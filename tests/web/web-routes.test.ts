import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DIST_DIR, ensureWebBuilt, isWebBuildCurrent } from '../../gateway/web/build.ts';
import { webRoutes } from '../../gateway/web/web-routes.ts';
import { bareGateway, productionPublicKey } from './helpers.ts';

describe('web routes of the gateway', () => {
  let dev: Awaited<ReturnType<typeof bareGateway>>;
  let production: Awaited<ReturnType<typeof bareGateway>>;
  beforeAll(async () => {
    await ensureWebBuilt();
    dev = await bareGateway({});
    production = await bareGateway({ GOVSHARE_JWT_PUBLIC_KEY: productionPublicKey() });
  });
  afterAll(async () => {
    await dev?.close();
    await production?.close();
  });

  it('serves both apps as HTML that is revalidated, with a same-origin content security policy', async () => {
    for (const path of ['/playground', '/playground/', '/catalog', '/catalog/', '/catalog/resource/POP-PERSON', '/catalog/inbox']) {
      const response = await fetch(`${dev.gateway.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
      const html = await response.text();
      expect(html).toContain('<div id="root"></div>');
      // Nothing in the page points at another host.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('serves hashed assets as immutable, gzip-encoded when the browser accepts it', async () => {
    const html = await (await fetch(`${dev.gateway.url}/playground`)).text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toMatch(/^\/assets\/playground-[\w-]+\.js$/);
    const plain = await fetch(`${dev.gateway.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-type')).toMatch(/^text\/javascript/);
    const body = await plain.text();
    const gzipped = await fetch(`${dev.gateway.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(await gzipped.text()).toBe(body); // fetch decodes it
    // Every file in /assets carries a content hash in its name.
    for (const name of readdirSync(join(DEFAULT_DIST_DIR, 'assets'))) expect(name).toMatch(/-[\w-]{8}\.\w+(\.gz)?$/);
    for (const path of ['/assets/nope-12345678.js', '/assets/..%2f..%2fbuild.ts', '/assets/..%2fcatalog%2findex.html', '/assets/']) {
      expect((await fetch(`${dev.gateway.url}${path}`)).status, path).toBe(404);
    }
  });

  it('does not shadow the catalog exports', async () => {
    const csv = await fetch(`${dev.gateway.url}/catalog/export.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const jsonld = await fetch(`${dev.gateway.url}/catalog/export.jsonld`);
    expect(jsonld.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(await jsonld.json()).toHaveProperty('@context');
  });

  it('issues short-lived dev tokens in development', async () => {
    const html = await (await fetch(`${dev.gateway.url}/catalog`)).text();
    expect(html).toContain('<meta name="govshare-dev-sign-in" content="/playground/dev-token">');
    const info = await (await fetch(`${dev.gateway.url}/playground/dev-token`)).json() as { departments: Array<{ code: string }>; roles: string[] };
    expect(info.departments.map((d) => d.code)).toContain('tax');
    expect(info.roles).toEqual(['consumer', 'provider', 'admin']);

    const response = await fetch(`${dev.gateway.url}/playground/dev-token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ department: 'public-security', roles: ['provider'] }),
    });
    expect(response.status).toBe(200);
    const { token } = await response.json() as { token: string };
    // The gateway's own verification (the `me` call below) is what proves the key; here the claims.
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ sub: 'public-security', roles: ['provider'] });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(3600);

    const me = await fetch(`${dev.gateway.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { code roles } }' }),
    });
    expect((await me.json() as { data: unknown }).data).toEqual({ me: { code: 'public-security', roles: ['provider'] } });

    for (const body of [{ department: 'nobody' }, { department: 'tax', roles: ['root'] }, { department: 'tax', roles: 'admin' }]) {
      const refused = await fetch(`${dev.gateway.url}/playground/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('has no dev-token endpoint when a production key source is configured', async () => {
    for (const method of ['GET', 'POST']) {
      const response = await fetch(`${production.gateway.url}/playground/dev-token`, {
        method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: JSON.stringify({ department: 'tax' }) } : {}),
      });
      expect(response.status, method).toBe(404);
    }
    expect((await fetch(`${production.gateway.url}/playground/dev-token/`)).status).toBe(404);
    const html = await (await fetch(`${production.gateway.url}/playground`)).text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).not.toContain('govshare-dev-sign-in');
  });

  it('builds a missing web app on the first request and says so meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govshare-web-dist-'));
    const distDir = join(dir, 'dist');
    const app = Fastify();
    await app.register(webRoutes, { devTokens: false, distDir });
    try {
      const first = await app.inject('/catalog');
      expect(first.statusCode).toBe(503);
      expect(first.headers['retry-after']).toBe('5');
      expect(first.body).toContain('Building the web app');
      const started = Date.now();
      let status = 503;
      while (status === 503 && Date.now() - started < 90_000) {
        await new Promise((r) => setTimeout(r, 500));
        status = (await app.inject('/catalog')).statusCode;
      }
      expect(status).toBe(200);
      expect(isWebBuildCurrent(distDir)).toBe(true);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
