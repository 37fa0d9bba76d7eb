import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DEMO_DEPARTMENTS, type Department } from '../identity/departments.ts';
import { issueDevToken } from '../identity/token-issuer.ts';
import type { Role } from '../identity/caller.ts';
import { DEFAULT_DIST_DIR, ensureWebBuilt } from './build.ts';
import { ErrorCode, statusOf } from '../../protocol/errors.ts';

export interface WebRoutesOptions {
  /** The dev-only sign-in endpoint: only while the JWT key is the one the embedded mode generated. */
  devTokens: boolean;
  /** Built assets (default `gateway/web/dist`). */
  distDir?: string;
  /** HS256 key of dev tokens: the generated one (required with `devTokens`). */
  jwtSecret?: string;
  /** The departments the dev picker offers (default: the demo set). */
  departments?: readonly Department[];
  /** Lifetime of a dev token (default 1 hour). */
  devTokenTtlSeconds?: number;
  /** Build the web app on the first request when dist is missing (default true). */
  buildOnDemand?: boolean;
  log?: (message: string) => void;
}

const ROLES: Role[] = ['consumer', 'provider', 'admin'];
export const DEV_TOKEN_PATH = '/playground/dev-token';
const APPS = ['playground', 'catalog'] as const;
type App = (typeof APPS)[number];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Everything the pages load comes from this origin: the policy below makes the browser refuse
 * anything else (no CDN, font service or telemetry could be reached even by mistake). Monaco sets
 * inline styles and starts its workers from /assets.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `/playground` (GraphiQL) and `/catalog` (the catalog web app), their hashed `/assets/*`, and in
 * development `POST /playground/dev-token`. Client-side routes under `/catalog/*` get the app's
 * index.html; `/catalog/export.jsonld` and `/catalog/export.csv` are static routes of their own and
 * win over the wildcard.
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  const assetsDir = join(distDir, 'assets');
  const departments = options.departments ?? DEMO_DEPARTMENTS;
  const ttlSeconds = options.devTokenTtlSeconds ?? 3600;
  const log = options.log ?? (() => {});
  let building: Promise<unknown> | null = null;
  let buildError: string | null = null;

  // HEAD requests reuse these GET handlers (Fastify's exposeHeadRoutes): the body is dropped, its length kept.
  const sendApp = async (which: App, reply: FastifyReply) => {
    const file = join(distDir, which, 'index.html');
    let html: string;
    try {
      html = await readFile(file, 'utf8');
    } catch {
      return notBuilt(reply);
    }
    // The pages offer the dev sign-in only where it exists: no request, and no 404, otherwise.
    if (options.devTokens) html = html.replace('</head>', `<meta name="govshare-dev-sign-in" content="${DEV_TOKEN_PATH}"></head>`);
    reply.header('cache-control', 'no-cache');
    securityHeaders(reply);
    reply.type('text/html; charset=utf-8');
    return reply.send(html);
  };

  /** dist is missing (a clone that skipped the install scripts): build it once, meanwhile say so. */
  const notBuilt = (reply: FastifyReply) => {
    if (options.buildOnDemand !== false && !building && !existsSync(join(distDir, 'playground/index.html'))) {
      buildError = null;
      log('the web app is not built yet: building it now');
      building = ensureWebBuilt({ distDir, log }).catch((error: Error) => {
        buildError = error.message;
        log(`the web app could not be built: ${error.message}`);
      }).finally(() => { building = null; });
    }
    const message = buildError
      ? `The web app could not be built: ${escapeHtml(buildError)}. Run <code>npm run build:web</code>.`
      : '正在构建网页资源，请稍候… / Building the web app, one moment…';
    reply.status(503).header('retry-after', '5').header('cache-control', 'no-store').type('text/html; charset=utf-8');
    securityHeaders(reply);
    return reply.send(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">${buildError ? '' : '<meta http-equiv="refresh" content="5">'}<title>govshare</title></head><body><p>${message}</p></body></html>`);
  };

  for (const which of APPS) {
    app.get(`/${which}`, (_request, reply) => sendApp(which, reply));
    app.get(`/${which}/*`, (request, reply) => {
      // The dev-token endpoint is absent, not an app route, when dev tokens are off.
      if (which === 'playground' && (request.params as { '*': string })['*'].replace(/\/+$/, '') === 'dev-token') return reply.callNotFound();
      return sendApp(which, reply);
    });
  }

  app.get('/assets/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const path = resolve(assetsDir, name);
    if (!path.startsWith(assetsDir + sep) || name.includes('\0')) return reply.callNotFound();
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) return reply.callNotFound();
      size = info.size;
    } catch {
      return reply.callNotFound();
    }
    // Vite's file names carry a content hash: a name never changes its content.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    reply.type(TYPES[extname(path)] ?? 'application/octet-stream');
    reply.header('vary', 'accept-encoding');
    const gz = `${path}.gz`;
    const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (acceptsGzip && existsSync(gz)) {
      reply.header('content-encoding', 'gzip');
      reply.header('content-length', (await stat(gz)).size);
      return reply.send(createReadStream(gz));
    }
    reply.header('content-length', size);
    return reply.send(createReadStream(path));
  });

  if (options.devTokens) {
    const secret = options.jwtSecret;
    if (!secret) throw new Error('the dev sign-in needs the generated JWT key');
    app.get(DEV_TOKEN_PATH, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { departments: departments.map(({ code, name }) => ({ code, name })), roles: ROLES, ttlSeconds };
    });
    app.post(DEV_TOKEN_PATH, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const body = (request.body ?? {}) as { department?: unknown; roles?: unknown };
      const department = typeof body.department === 'string' ? body.department : '';
      if (!departments.some((d) => d.code === department)) {
        return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send({ error: ErrorCode.BAD_USER_INPUT, message: `unknown department "${department}"` });
      }
      const roles = body.roles === undefined ? ['consumer'] : body.roles;
      if (!Array.isArray(roles) || !roles.every((r): r is Role => ROLES.includes(r as Role))) {
        return reply.status(statusOf(ErrorCode.BAD_USER_INPUT)).send({ error: ErrorCode.BAD_USER_INPUT, message: `roles must be a list of ${ROLES.join(', ')}` });
      }
      const token = await issueDevToken({ department, roles: [...new Set(roles)], ttlSeconds, secret });
      return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
    });
  }
};

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
