import { useState } from 'react';
import { useSession } from '../../lib/auth.ts';
import { useI18n } from '../../lib/i18n.ts';
import { gql } from '../../lib/graphql.ts';
import { ErrorMessage, useAction } from '../../lib/ui.tsx';
import type { Resource } from '../api.ts';

/**
 * For the resource's provider (provider role) or an admin: its current claim key and `rotateClaimKey`,
 * behind a confirmation. Others never see it; the gateway refuses them anyway (FORBIDDEN).
 */
export function ClaimKeyRotation({ resource }: { resource: Resource }) {
  const { t } = useI18n();
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
      <h2 id="claim-key-title">{t('claimKeyTitle')}</h2>
      <p className="muted">{t('claimKeyIntro')}</p>
      {current === null ? (
        <button type="button" className="button-secondary" onClick={load} disabled={busy}>{t('claimKeyCurrent')}</button>
      ) : (
        <p>{t('claimKeyCurrent')}: <code>{current}</code></p>
      )}
      {confirming ? (
        <div role="group" aria-label={t('claimKeyRotate')}>
          <p>{t('claimKeyConfirmText')}</p>
          <button type="button" onClick={rotate} disabled={busy}>{t('claimKeyConfirm')}</button>{' '}
          <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy}>{t('claimKeyCancel')}</button>
        </div>
      ) : (
        <button type="button" onClick={() => { setRotated(null); setConfirming(true); }} disabled={busy}>{t('claimKeyRotate')}</button>
      )}
      {rotated && <p role="status">{t('claimKeyRotated')} <code>{rotated}</code></p>}
      <ErrorMessage error={error} />
    </section>
  );
}
