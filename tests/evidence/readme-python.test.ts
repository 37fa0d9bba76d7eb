import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../gateway/audit/checkpoint-signature.ts';
import { signingKeyFromPem } from '../../gateway/keys/index.ts';
import { createRequestSigner } from '../../protocol/gateway-signature.ts';
import { REPO_ROOT } from '../support/sample.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { exportEvidence, readPerson, tempFile } from './support.ts';

/** Debian's interpreter with python3-jwt and python3-cryptography (`.ci/run` installs them). */
const PYTHON = '/usr/bin/python3';

/** The ```python block of README's "The gateway signature (for providers on other stacks)". */
function readmeSnippet(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The gateway signature (for providers on other stacks)'));
  const match = /```python\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n### ', 5)));
  if (!match) throw new Error('README.md: no ```python block in "The gateway signature (for providers on other stacks)"');
  return match[1]!;
}

/** Calls the snippet's functions on what the test hands it, and says which of them refused. */
const DRIVER = `
import json, sys
case = json.load(sys.stdin)
def refused(check):
    try:
        check()
        return False
    except Exception:
        return True
claims = verify_call(case["signature"], case["body"].encode(), case["subgraph"])
for checkpoint in case["checkpoints"]:
    verify_checkpoint(checkpoint)
print(json.dumps({
    "aud": claims["aud"], "sub": claims.get("sub"), "checkpoints": len(case["checkpoints"]),
    "otherBody": refused(lambda: verify_call(case["signature"], b"{}", case["subgraph"])),
    "otherAudience": refused(lambda: verify_call(case["signature"], case["body"].encode(), "housing")),
    "strangerCall": refused(lambda: verify_call(case["strangerCall"], case["body"].encode(), case["subgraph"])),
    "alteredCheckpoint": refused(lambda: verify_checkpoint(dict(case["checkpoints"][0], headHash="0" * 64))),
    "forgedCheckpoint": refused(lambda: verify_checkpoint(case["forgedCheckpoint"])),
}))
`;

describe('the README\'s Python verification', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ gatewayConfig: { auditCheckpointSeconds: 3600 } }); });
  afterAll(async () => { await stack?.close(); });

  it('runs as written with PyJWT against the gateway\'s JWKS: a call signature and checkpoints verify, forgeries do not', async () => {
    try {
      execFileSync(PYTHON, ['-c', 'import jwt, cryptography'], { stdio: 'pipe' });
    } catch {
      throw new Error(`${PYTHON} cannot import jwt and cryptography: install python3-jwt python3-cryptography (apt-get install -y python3-jwt python3-cryptography; .ci/run does it for CI)`);
    }
    // A real checkpoint: made on demand by an export.
    const seq = await readPerson(stack, 'tax', 'ForPython');
    const evidence = (await exportEvidence(stack, seq, 'tax')).data.exportAuditEvidence;
    const checkpoints = ((await (await fetch(`${stack.gatewayUrl}/audit/checkpoints`)).json()) as { checkpoints: any[] }).checkpoints;
    expect(checkpoints[0]).toEqual(evidence.checkpoint);
    // What a subgraph receives: the gateway's signature over this body, for it.
    const body = '{"query":"{ person(idNumber: \\"x\\") { name } }"}';
    const signature = await stack.keys.signer.sign({ aud: 'population', rid: 'req-1', sub: 'tax' }, body);
    const stranger = await signingKeyFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'stranger');
    const impostor = { ...stranger, kid: stack.keys.signing.kid };
    const { signature: _, ...payload } = checkpoints[0];
    const script = tempFile('verify.py', readmeSnippet() + DRIVER);
    const input = JSON.stringify({
      signature, body, subgraph: 'population', checkpoints,
      strangerCall: await createRequestSigner(impostor).sign({ aud: 'population', rid: 'req-2' }, body),
      forgedCheckpoint: { ...checkpoints[0], signature: signCheckpoint(impostor, payload) },
    });
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(PYTHON, [script], { env: { PATH: process.env.PATH ?? '', GOVSHARE_GATEWAY_JWKS_URL: `${stack.gatewayUrl}/.well-known/jwks.json` }, timeout: 30_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
      child.stdin!.end(input);
    });
    expect(JSON.parse(output)).toEqual({
      aud: 'population', sub: 'tax', checkpoints: checkpoints.length,
      otherBody: true, otherAudience: true, strangerCall: true, alteredCheckpoint: true, forgedCheckpoint: true,
    });
  });
});
