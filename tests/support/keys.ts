import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { randomSecret } from '../../gateway/keys/key-file.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';

/**
 * The test run's keys. Nothing is committed: each test file (its own module graph under vitest) makes
 * its own at first use. Stacks generate a fresh signing key each (tests/support/stack.ts); the one
 * here is for gateways a test spawns as processes, whose subgraphs must know the key in advance.
 */
let jwtSecret: string | undefined;
let auditKey: string | undefined;
let spawnedKey: { path: string; pem: string } | undefined;

/** HS256 key of department tokens: `as()` signs with it, and every test gateway verifies with it. */
export function testJwtSecret(): string {
  return (jwtSecret ??= randomSecret());
}

export function testAuditKey(): string {
  return (auditKey ??= randomSecret());
}

/** A PKCS#8 file for spawned gateways (`GOVSHARE_GATEWAY_KEY`). */
export function spawnedGatewayKeyPath(): string {
  if (!spawnedKey) {
    const pem = generateSigningKeyPem();
    const path = join(mkdtempSync(join(tmpdir(), 'govshare-test-key-')), 'gateway-key.pem');
    writeFileSync(path, pem, { mode: 0o600 });
    spawnedKey = { path, pem };
  }
  return spawnedKey.path;
}

/** The public JWKS of `spawnedGatewayKeyPath()`: what subgraphs behind a spawned gateway verify with. */
export async function spawnedGatewayJwks(): Promise<JSONWebKeySet> {
  const path = spawnedGatewayKeyPath();
  return publishedKeySet(await signingKeyFromPem(spawnedKey!.pem, path), {});
}

/** What a spawned gateway needs to accept the test's tokens and be trusted by the test's subgraphs. */
export function spawnedGatewayEnv(): Record<string, string> {
  return { GOVSHARE_GATEWAY_KEY: spawnedGatewayKeyPath(), GOVSHARE_JWT_SECRET: testJwtSecret(), GOVSHARE_AUDIT_KEY: testAuditKey() };
}
