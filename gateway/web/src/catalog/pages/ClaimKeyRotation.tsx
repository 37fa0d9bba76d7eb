import { useState } from 'react';
import { useSession } from '../../lib/auth.ts';
import { useI18n } from '../../lib/i18n.ts';
import { gql } from '../../lib/graphql.ts';
import { ErrorMessage, useAction } from '../../lib/ui.tsx';
import type { Resource } from '../api.ts';

/** Bilingual texts of this panel (kept here, like the sealed comparison form's). */
const TEXT = {
  title: { zh: '比对密钥', en: 'Claim key' },
  intro: {
    zh: '密封比对的核验数据加密至此密钥，只有本部门的子图能解开。更换后，用旧密钥加密的数据一律拒绝，已记录的密文再也无法解开；命令行工具会自动取用新密钥。',
    en: 'Sealed claims are sealed to this key, and only your department\u2019s subgraph opens them. After a rotation, batches sealed to the old key are refused and ciphertexts recorded earlier can no longer be opened by anyone; the CLI fetches the new key by itself.',
  },
  current: { zh: '当前密钥', en: 'Current key' },
  rotate: { zh: '更换比对密钥', en: 'Rotate the claim key' },
  confirm: { zh: '确认更换', en: 'Confirm the rotation' },
  cancel: { zh: '取消', en: 'Cancel' },
  confirmText: { zh: '正在进行的密封比对将被拒绝一次并重新加密。确认更换？', en: 'Sealed comparisons in progress are refused once and sealed again. Rotate now?' },
  rotated: { zh: '已更换，新密钥', en: 'Rotated; the new key is' },
} as const;

/**
 * For the resource's provider (provider role) or an admin: its current claim key and `rotateClaimKey`,
 * behind a confirmation. Others never see it; the gateway refuses them anyway (FORBIDDEN).
 */
export function ClaimKeyRotation({ resource }: { resource: Resource }) {
  const { lang } = useI18n();
  const say = (key: keyof typeof TEXT) => TEXT[key][lang];
  const session = useSession();
  const [confirming, setConfirming] = useState(false);
  const [current, setCurrent] = useState<string | null>(null);
  const [rotated, setRotated] = useState<string | null>(null);
  const { run, busy, error } = useAction();
  const mayRotate = session !== null
    && (session.roles.includes('admin') || (session.department === resource.provider && session.roles.includes('provider')));
  if (!mayRotate) return null;

  const load = () => void run(null, async () => {
    const data = await gql<{ resource: { claimKey: { kid: string } | null } | null }>(
      'query CurrentClaimKey($code: String!) { resource(code: $code) { claimKey { kid } } }', { code: resource.code });
    setCurrent(data.resource?.claimKey?.kid ?? null);
  });
  const rotate = () => void run(null, async () => {
    const data = await gql<{ rotateClaimKey: { kid: string } }>(
      'mutation RotateClaimKey($resource: String!) { rotateClaimKey(resource: $resource) { kid } }', { resource: resource.code });
    setRotated(data.rotateClaimKey.kid);
    setCurrent(data.rotateClaimKey.kid);
    setConfirming(false);
  });

  return (
    <section className="panel" aria-labelledby="claim-key-title">
      <h2 id="claim-key-title">{say('title')}</h2>
      <p className="muted">{say('intro')}</p>
      {current === null ? (
        <button type="button" className="button-secondary" onClick={load} disabled={busy}>{say('current')}</button>
      ) : (
        <p>{say('current')}: <code>{current}</code></p>
      )}
      {confirming ? (
        <div role="group" aria-label={say('rotate')}>
          <p>{say('confirmText')}</p>
          <button type="button" onClick={rotate} disabled={busy}>{say('confirm')}</button>{' '}
          <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy}>{say('cancel')}</button>
        </div>
      ) : (
        <button type="button" onClick={() => { setRotated(null); setConfirming(true); }} disabled={busy}>{say('rotate')}</button>
      )}
      {rotated && <p role="status">{say('rotated')} <code>{rotated}</code></p>}
      <ErrorMessage error={error} />
    </section>
  );
}
