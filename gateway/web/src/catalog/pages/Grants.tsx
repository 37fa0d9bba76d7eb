import { useId, useState, type FormEvent } from 'react';
import type { Session } from '../../lib/auth.ts';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { api, type Grant } from '../api.ts';
import { BASE, Link } from '../router.tsx';

function ActiveBadge({ grant }: { grant: Grant }) {
  const { t } = useI18n();
  if (grant.revokedAt) return <span className="badge badge-danger">{t('revoked')}</span>;
  return <span className={`badge ${grant.active ? 'badge-ok' : 'badge-muted'}`}>{grant.active ? t('active') : t('inactive')}</span>;
}

/** Grants the department holds, and grants it gave as provider (with revoke). */
export function Grants({ session }: { session: Session }) {
  const { t, lang } = useI18n();
  const held = useQuery((signal) => api.myGrants({ signal }), []);
  const given = useQuery((signal) => api.applications('PROVIDER', { signal }), []);
  const [notice, setNotice] = useState<string | null>(null);
  const gave = (given.data ?? []).flatMap((a) => (a.grant ? [a.grant] : []))
    .sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt.localeCompare(a.createdAt));
  const heldSorted = [...(held.data ?? [])].sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt.localeCompare(a.createdAt));

  return (
    <>
      <h1>{t('navGrants')}</h1>
      {notice && <p className="notice" role="status">{notice}</p>}
      <section aria-labelledby="held-title">
        <h2 id="held-title">{t('grantsHeld')} <span className="muted small">({session.departmentName ?? session.department})</span></h2>
        <ErrorMessage error={held.error} />
        {held.loading && !held.data ? <Loading /> : heldSorted.length === 0 ? <p>{t('noGrants')}</p> : (
          <div className="table-wrap">
            <table className="cards">
              <thead>
                <tr><th scope="col">{t('resource')}</th><th scope="col">{t('fields')}</th><th scope="col">{t('purpose')}</th><th scope="col">{t('validUntilShort')}</th><th scope="col">{t('status')}</th></tr>
              </thead>
              <tbody>
                {heldSorted.map((g) => (
                  <tr key={g.id}>
                    <td data-label={t('resource')}><Link to={`${BASE}/resource/${encodeURIComponent(g.resource)}`}><code>{g.resource}</code></Link></td>
                    <td data-label={t('fields')}>{g.fields.map((f) => <code key={f} className="chip">{f}</code>)}{g.raw && <span className="badge badge-info">{t('rawShort')}</span>}</td>
                    <td data-label={t('purpose')}>{g.purpose}</td>
                    <td data-label={t('validUntilShort')}>{formatTime(g.validUntil, lang)}</td>
                    <td data-label={t('status')}><ActiveBadge grant={g} />{g.revokeReason && <span className="small"> {g.revokeReason}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="given-title">
        <h2 id="given-title">{t('grantsGiven')}</h2>
        <ErrorMessage error={given.error} />
        {given.loading && !given.data ? <Loading /> : gave.length === 0 ? <p>{t('noGrants')}</p> : (
          <ul className="cards-list">
            {gave.map((g) => (
              <li key={g.id} className="panel">
                <GivenGrant grant={g} onRevoked={(r) => { setNotice(`${t('revoked')}: ${r.consumer} · ${r.resource}`); given.reload(); }} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function GivenGrant({ grant: g, onRevoked }: { grant: Grant; onRevoked: (g: Grant) => void }) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const { problem, error, busy, run } = useAction();
  const reasonId = useId();
  const titleId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(reason.trim() ? null : t('revokeRequired'), async () => onRevoked(await api.revoke(g.id, reason.trim())));
  };

  return (
    <article aria-labelledby={titleId}>
      <h3 id={titleId}>{g.consumer} · <code>{g.resource}</code> <ActiveBadge grant={g} /></h3>
      <p>{g.fields.map((f) => <code key={f} className="chip">{f}</code>)}{g.raw && <span className="badge badge-info">{t('rawShort')}</span>}</p>
      <p className="small muted">{t('purpose')}: {g.purpose} · {t('validUntilShort')} {formatTime(g.validUntil, lang)}{g.revokeReason ? ` · ${t('reason')}: ${g.revokeReason}` : ''}</p>
      {g.active && (
        <form className="reject" onSubmit={submit}>
          <div className="field grow">
            <label htmlFor={reasonId}>{t('revokeReason')}</label>
            <input id={reasonId} type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="submit" className="button-danger" disabled={busy} aria-describedby={titleId}>{t('revoke')}</button>
        </form>
      )}
      {problem && <p className="error" role="alert">{problem}</p>}
      <ErrorMessage error={error} />
    </article>
  );
}
