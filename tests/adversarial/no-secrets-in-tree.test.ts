import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/sample.ts';

/**
 * Issue 12 part 5: no key lives in the repository. Every file git tracks, every file it would take in
 * next (untracked and not ignored), and the built web app (`gateway/web/dist`, what `npm run build:web`
 * writes and the gateway serves) are read: none holds private key material (a PEM private key, a JWK
 * with `d` or `k`), a JWT, or a secret literal — a value assigned to a name like secret/key/token/
 * password. Shipped code (everything outside `tests/`) may not assign such a name any literal that
 * looks like a value (the earlier `'govshare-dev-secret-not-for-production'` defaults); tests may use
 * readable stand-ins ('a-configured-secret-of-this-deployment') but no high-entropy string, which could be
 * a real key pasted in. The defaults earlier versions published appear only in tests, as the attack.
 * Read-only git: `ls-files`, `show`, `check-ignore`.
 */
const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** The literals earlier versions shipped as defaults: public now, so only an attack may name them. */
const PUBLISHED_DEFAULTS = [
  'govshare-dev-secret-not-for-production',
  'govshare-dev-subgraph-secret-not-for-production',
  'govshare-dev-audit-key-not-for-production',
];

export interface Finding { file: string; line: number; rule: string; text: string }

const PEM_PRIVATE = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\\n]*[A-Za-z0-9+/=\s\\n]{40,}-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/g;
/** A JWK's private (`d`, RSA's primes) or symmetric (`k`) member with a value. */
const JWK_PRIVATE = /["']?\b(d|p|q|dp|dq|qi|k)\b["']?\s*:\s*["'][A-Za-z0-9_-]{16,}["']/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
/**
 * Names that hold secrets: …secret, …password, credentials, a key or token of some kind (`auditKey`,
 * `GOVSHARE_AUDIT_KEY`, `accessToken`), but not a bare `key`/`token` (React keys, tokenizers) and not
 * the file, path, variable name or header of one.
 */
const SECRET_NAME = /(secret|passw(or)?d|pwd|credential|api[_-]?key|private[_-]?key|signing[_-]?key|audit[_-]?key|jwt[_-]?key|hmac[_-]?key|(access|auth|bearer|refresh|session|api|dev)[_-]?token)/i;
const SECRET_ENV_NAME = /^[A-Z0-9_]+_(KEY|TOKEN)$/;
const NOT_A_VALUE_NAME = /(file|path|dir|env|url|header|name|path|route|prefix|count|length|ttl|seconds|ms|bytes|budget|kind|type|topic|label|id)$/i;
/** `name = 'literal'`, `name: "literal"`, `env.NAME ?? 'literal'`, `name || 'literal'`, `${NAME:-literal}`. */
const ASSIGNMENT = /([A-Za-z_$][\w$]*)["']?\s*(?:=|:|\?\?|\|\|)\s*(["'`])((?:(?!\2)[^\n\\]|\\.)*)\2/g;
const SHELL_DEFAULT = /\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}\s]+)\}/g;
/** YAML (block or flow style), .env and Dockerfile values without quotes: `POSTGRES_PASSWORD: govshare`, `GOVSHARE_JWT_SECRET=dev-secret`. */
const UNQUOTED = /(?:^|[\s{,])(?:ENV\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[:=][ \t]*([^\s'"`${},#]+)/gm;

/** A literal that could be a secret value, not a reference to one (an env name, a path, a file, a URL, prose, a template). */
function valueLike(literal: string): boolean {
  if (literal.length < 6) return false;
  if (/\s/.test(literal)) return false; // prose, messages
  if (/^[A-Z][A-Z0-9_]*$/.test(literal)) return false; // an environment variable's name
  if (literal === 'REPLACE-ME') return false; // the manifests' placeholder (docker/k8s): nothing starts with it as a key
  if (/^\[[\w\s,-]*\]$/.test(literal)) return false; // a YAML flow list of names (`secrets: [gateway_key]`)
  if (/^\$\{|\$\{|^\$[A-Z]/.test(literal)) return false; // a template or a reference
  if (/^(https?|postgres|redis):\/\//.test(literal) && !/:[^/@:]+@/.test(literal)) return false; // a URL without a password in it
  if (/[/\\]/.test(literal) || /\.[a-z]{2,4}$/.test(literal)) return false; // a path or a file name
  if (/^[a-z]+(\.[a-z]+)+$/.test(literal)) return false; // a dotted identifier ('govshare.session')
  if (/^[a-z]+(:[a-z-]+)+$/.test(literal)) return false; // a key name ('audit:head')
  if (/^(x-|authorization|bearer)/i.test(literal)) return false; // a header
  return true;
}

/** High entropy: 32+ characters of hex, or base64/base64url mixing upper, lower and digits. */
function highEntropy(literal: string): boolean {
  if (/^[0-9a-f]{32,}$/i.test(literal)) return true;
  return /^[A-Za-z0-9+/_-]{32,}={0,2}$/.test(literal) && /[A-Z]/.test(literal) && /[a-z]/.test(literal) && /[0-9]/.test(literal);
}

export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const add = (index: number, rule: string, match: string) => findings.push({ file, line: lineOf(index), rule, text: match.slice(0, 120) });
  const isTest = file.startsWith('tests/');
  for (const m of text.matchAll(PEM_PRIVATE)) add(m.index, 'PEM private key', m[0]);
  for (const m of text.matchAll(JWK_PRIVATE)) add(m.index, `JWK private member "${m[1]}"`, m[0]);
  for (const m of text.matchAll(JWT)) add(m.index, 'JWT', m[0]);
  const secretNamed = (name: string) => (SECRET_NAME.test(name) || SECRET_ENV_NAME.test(name)) && !NOT_A_VALUE_NAME.test(name);
  const judge = (index: number, name: string, literal: string, match: string) => {
    if (!secretNamed(name)) return;
    if (highEntropy(literal)) add(index, `high-entropy literal assigned to ${name}`, match);
    else if (!isTest && valueLike(literal)) add(index, `literal assigned to ${name}`, match);
  };
  for (const m of text.matchAll(ASSIGNMENT)) judge(m.index, m[1]!, m[3]!, m[0]);
  for (const m of text.matchAll(SHELL_DEFAULT)) judge(m.index, m[1]!, m[2]!, m[0]);
  if (/\.(ya?ml|env|sh)$|(^|\/)(Dockerfile|\.env[^/]*)$/.test(file)) {
    for (const m of text.matchAll(UNQUOTED)) judge(m.index, m[1]!, m[2]!, m[0]);
  }
  if (!isTest) {
    for (const literal of PUBLISHED_DEFAULTS) {
      const at = text.indexOf(literal);
      if (at >= 0) add(at, 'a default earlier versions published', literal);
    }
  }
  return findings;
}

function isBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8000).includes(0);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** What git holds or would take in, plus the built web app if there is one. */
function filesToScan(): string[] {
  const listed = git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  const dist = join(REPO_ROOT, 'gateway', 'web', 'dist');
  const built = existsSync(dist) ? walk(dist).map((path) => relative(REPO_ROOT, path)) : [];
  return [...new Set([...listed, ...built])].filter((file) => existsSync(join(REPO_ROOT, file)) && statSync(join(REPO_ROOT, file)).isFile());
}

describe('no key or secret in the repository', () => {
  it('finds nothing in the tracked files, the files about to be, or the built web app', () => {
    const files = filesToScan();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('gateway/keys/signing-key.ts');
    const findings: Finding[] = [];
    for (const file of files) {
      const buffer = readFileSync(join(REPO_ROOT, file));
      if (isBinary(buffer)) continue;
      findings.push(...scanText(file, buffer.toString('utf8')));
    }
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`)).toEqual([]);
  });

  it('reads the built web app when there is one (the JavaScript the gateway serves)', () => {
    const dist = join(REPO_ROOT, 'gateway', 'web', 'dist');
    if (!existsSync(dist)) return;
    expect(filesToScan().some((file) => file.startsWith('gateway/web/dist/') && file.endsWith('.js'))).toBe(true);
  });

  it('tracks no .data/ folder and no *.pem file, and .gitignore keeps them out', () => {
    const tracked = git('ls-files', '-z').split('\0').filter(Boolean);
    expect(tracked.filter((file) => /(^|\/)\.data\//.test(file) || /\.pem$/i.test(file) || /(^|\/)\.env$/.test(file))).toEqual([]);
    // check-ignore answers for paths that need not exist: exit 0 and the path printed when ignored.
    const ignored = (path: string) => {
      try {
        return git('check-ignore', '--no-index', path).trim() === path;
      } catch {
        return false;
      }
    };
    for (const path of ['.data/keys/gateway-signing-key.pem', '.data/records/PG_VERSION', '.data/keys/jwt-secret', 'gateway.pem', 'docker/gateway.pem', 'keys/next.pem', '.env', 'bench/results/startup.json']) {
      expect(ignored(path), `${path} is not ignored`).toBe(true);
    }
  });
});

describe('the scanner catches what it is for', () => {
  it('flags the defaults earlier versions shipped, in the very files and commits that had them', () => {
    const earlier = [
      ['df4ea40', 'gateway/identity/token-verifier.ts'],
      ['2daf61c', 'gateway/config.ts'],
      ['f965b1a^', 'schema/gateway-signature.ts'],
      ['f965b1a^', 'docker/compose.yml'],
    ] as const;
    for (const [commit, file] of earlier) {
      const findings = scanText(file, git('show', `${commit}:${file}`));
      expect(findings.length, `${commit}:${file}`).toBeGreaterThan(0);
    }
    expect(scanText('docker/compose.yml', git('show', 'f965b1a^:docker/compose.yml')).map((f) => f.rule)).toContain('literal assigned to POSTGRES_PASSWORD');
    // The manifests' placeholder and a list of secret names pass; a value in their place does not.
    expect(scanText('docker/k8s/x.yaml', 'stringData:\n  POSTGRES_PASSWORD: REPLACE-ME\n  secrets: [gateway_key]\n')).toEqual([]);
    expect(scanText('docker/k8s/x.yaml', 'stringData:\n  POSTGRES_PASSWORD: govshare-prod\n').map((f) => f.rule)).toContain('literal assigned to POSTGRES_PASSWORD');
  });

  it('flags secrets in the shapes they come in', () => {
    const key = execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519'], { encoding: 'utf8' });
    // Made here rather than written out, so that this file itself holds none of them.
    const random = (bytes: number, encoding: BufferEncoding = 'base64url') => randomBytes(bytes).toString(encoding);
    const jwt = ['eyJhbGciOiJIUzI1NiJ9', Buffer.from('{"sub":"tax"}').toString('base64url'), random(32)].join('.');
    const cases: Array<[string, string]> = [
      ['gateway/a.ts', `export const DEV_JWT_SECRET = 'dev-secret-change-me';`],
      ['gateway/a.ts', `const secret = process.env.GOVSHARE_JWT_SECRET ?? 'dev-secret-change-me';`],
      ['gateway/a.ts', `const auditKey = env.GOVSHARE_AUDIT_KEY || "changeme-audit";`],
      ['gateway/a.ts', `const config = { jwtSecret: 'supersecret123' };`],
      ['docker/compose.yml', 'environment:\n  GOVSHARE_JWT_SECRET: dev-secret-change-me\n'],
      ['docker/compose.yml', '    GOVSHARE_JWT_SECRET: ${GOVSHARE_JWT_SECRET:-dev-secret-change-me}\n'],
      ['docker/.env', 'POSTGRES_PASSWORD=govshare\n'],
      ['scripts/a.ts', key],
      ['scripts/a.ts', `const pem = ${JSON.stringify(key)};`],
      ['gateway/a.json', JSON.stringify({ keys: [generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })] })],
      ['gateway/a.json', JSON.stringify({ kty: 'oct', k: random(32) })],
      ['gateway/a.ts', `const claims = { kty: 'EC', crv: 'P-256', d: '${random(32)}' };`],
      ['tests/a.test.ts', `const token = '${jwt}';`],
      ['gateway/web/dist/assets/app.js', `headers:{authorization:\`Bearer ${jwt}\`}`],
      ['tests/a.test.ts', `const auditKey = '${random(32, 'hex')}';`],
      ['tests/a.test.ts', `GOVSHARE_JWT_SECRET: 'Zk3q9VbN${random(24)}2xL'`],
      ['gateway/a.ts', `const fallback = 'govshare-dev-secret-not-for-production';`],
    ];
    for (const [file, text] of cases) expect(scanText(file, text).length, `${file}: ${text.slice(0, 80)}`).toBeGreaterThan(0);
  });

  it('leaves alone what only looks like one', () => {
    const cases: Array<[string, string]> = [
      ['gateway/a.ts', `export const GENERATED_JWT_SECRET_FILE = 'jwt-secret';`],
      ['gateway/a.ts', `const KEY = 'govshare.session';`],
      ['gateway/a.ts', `const secret = process.env.GOVSHARE_JWT_SECRET;`],
      ['gateway/a.ts', `if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) throw new Error('must be "BEGIN PRIVATE KEY"');`],
      ['gateway/a.ts', `export const UNKNOWN_KEY_BUDGET_ENV = 'GOVSHARE_UNKNOWN_KEY_BUDGET';`],
      ['gateway/a.ts', 'this.headKey = `${prefix}audit:head`;'],
      ['gateway/a.ts', `const token = await issueDevToken({ department: 'tax' });`],
      ['docker/compose.yml', '    POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"\n    GOVSHARE_JWT_SECRET: ${GOVSHARE_JWT_SECRET:-}\n'],
      ['tests/a.test.ts', `const configured = { GOVSHARE_JWT_SECRET: 'a-configured-secret-of-this-deployment' };`],
      ['tests/a.test.ts', `const PUBLISHED_DEV_JWT_SECRET = 'govshare-dev-secret-not-for-production';`],
      ['package-lock.json', `"integrity": "sha512-Abc123Def456Ghi789Jkl012Mno345Pqr678Stu901Vwx234Yz=="`],
    ];
    for (const [file, text] of cases) expect(scanText(file, text), `${file}: ${text.slice(0, 80)}`).toEqual([]);
  });
});
