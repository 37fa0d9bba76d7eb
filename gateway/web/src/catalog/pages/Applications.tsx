import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { api, byUrgency, type Application } from '../api.ts';
import { BASE, Link } from '../router.tsx';

export function StatusBadge({ status }: { status: string }) {
  const { tx } = useI18n();
  const tone = status === 'APPROVED' || status === 'RESOLVED' ? 'ok' : status === 'REJECTED' ? 'danger' : 'warn';
  return <span className={`badge badge-${tone}`}>{tx(`st_${status}`, status)}</span>;
}

export function OverdueBadge({ overdue }: { overdue: boolean }) {
  const { t } = useI18n();
  return overdue ? <span className="badge badge-danger">{t('overdue')}</span> : null;
}

function ResourceLink({ code }: { code: string }) {
  return <Link to={`${BASE}/resource/${encodeURIComponent(code)}`}><code>{code}</code></Link>;
}

function GrantSummary({ application }: { application: Application }) {
  const { t, lang } = useI18n();
  const g = application.grant;
  if (!g) return <span className="muted dash">—</span>;
  return (
    <span>
      <span className={`badge ${g.active ? 'badge-ok' : 'badge-muted'}`}>{g.active ? t('active') : t('inactive')}</span>{' '}
      {t('validUntilShort')} {formatTime(g.validUntil, lang)}{g.raw ? ` · ${t('rawShort')}` : ''}
    </span>
  );
}

/** The consumer's applications with status, deadlines and overdue flags. */
export function MyApplications() {
  const { t, lang } = useI18n();
  const list = useQuery((signal) => api.applications('CONSUMER', { signal }), []);
  const rows = [...(list.data ?? [])].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  return (
    <>
      <h1>{t('myApplicationsTitle')}</h1>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : rows.length === 0 ? <p>{t('noApplications')}</p> : (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">{t('resource')}</th><th scope="col">{t('fields')}</th><th scope="col">{t('purpose')}</th>
                <th scope="col">{t('submittedAt')}</th><th scope="col">{t('deadline')}</th><th scope="col">{t('status')}</th>
                <th scope="col">{t('reason')}</th><th scope="col">{t('grant')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} className={a.overdue ? 'row-overdue' : undefined}>
                  <td data-label={t('resource')}><ResourceLink code={a.resource} /> <span className="muted small">{a.provider}</span></td>
                  <td data-label={t('fields')}>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}{a.raw && <span className="badge badge-info">{t('rawShort')}</span>}</td>
                  <td data-label={t('purpose')}>{a.purpose}</td>
                  <td data-label={t('submittedAt')}>{formatTime(a.submittedAt, lang)}</td>
                  <td data-label={t('deadline')}>{a.deadline} <OverdueBadge overdue={a.overdue} /></td>
                  <td data-label={t('status')}><StatusBadge status={a.status} />{a.decidedAt && <span className="muted small"> {formatTime(a.decidedAt, lang)}</span>}</td>
                  <td data-label={t('reason')}>{a.reason ?? <span className="muted dash">—</span>}</td>
                  <td data-label={t('grant')}><GrantSummary application={a} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The provider's inbox: pending applications, overdue first, to approve or reject with a reason. */
export function ProviderInbox() {
  const { t, lang } = useI18n();
  const list = useQuery((signal) => api.applications('PROVIDER', { signal }), []);
  const [notice, setNotice] = useState<string | null>(null);
  const all = list.data ?? [];
  const pending = all.filter((a) => a.status === 'PENDING').sort(byUrgency);
  const decided = all.filter((a) => a.status !== 'PENDING').sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''));

  return (
    <>
      <h1>{t('inboxTitle')}</h1>
      <p className="muted">{t('inboxIntro')}</p>
      <ErrorMessage error={list.error} />
      {notice && <p className="notice" role="status">{notice}</p>}
      {list.loading && !list.data ? <Loading /> : (
        <>
          <section aria-labelledby="pending-title">
            <h2 id="pending-title">{t('pendingSection')} <span className="muted small">({pending.length})</span></h2>
            {pending.length === 0 && <p>{t('noApplications')}</p>}
            <ul className="cards-list">
              {pending.map((a) => (
                <li key={a.id} className={`panel application${a.overdue ? ' is-overdue' : ''}`}>
                  <PendingApplication application={a} onDone={(done) => {
                    setNotice(t('decisionDone', { status: t(done.status === 'APPROVED' ? 'st_APPROVED' : 'st_REJECTED'), id: done.id }));
                    list.reload();
                  }} />
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="decided-title">
            <h2 id="decided-title">{t('decidedSection')} <span className="muted small">({decided.length})</span></h2>
            {decided.length === 0 ? <p>{t('noApplications')}</p> : (
              <div className="table-wrap">
                <table className="cards">
                  <thead>
                    <tr>
                      <th scope="col">{t('consumer')}</th><th scope="col">{t('resource')}</th><th scope="col">{t('fields')}</th>
                      <th scope="col">{t('deadline')}</th><th scope="col">{t('status')}</th><th scope="col">{t('reason')}</th><th scope="col">{t('grant')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {decided.map((a) => (
                      <tr key={a.id}>
                        <td data-label={t('consumer')}>{a.consumer}</td>
                        <td data-label={t('resource')}><ResourceLink code={a.resource} /></td>
                        <td data-label={t('fields')}>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}</td>
                        <td data-label={t('deadline')}>{a.deadline} <OverdueBadge overdue={a.overdue} /></td>
                        <td data-label={t('status')}><StatusBadge status={a.status} /> <span className="muted small">{formatTime(a.decidedAt, lang)}</span></td>
                        <td data-label={t('reason')}>{a.reason ?? <span className="muted dash">—</span>}</td>
                        <td data-label={t('grant')}><GrantSummary application={a} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

function PendingApplication({ application: a, onDone }: { application: Application; onDone: (a: Application) => void }) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const { problem, error, busy, run } = useAction();
  const reasonId = useId();
  const titleId = useId();

  const decide = (approve: boolean) => run(!approve && !reason.trim() ? t('reasonRequired') : null,
    async () => onDone(await api.review(a.id, approve, approve ? undefined : reason.trim())));

  return (
    <article aria-labelledby={titleId}>
      <h3 id={titleId}>
        {a.consumer} → <code>{a.resource}</code> <OverdueBadge overdue={a.overdue} />
      </h3>
      <dl className="facts">
        <div><dt>{t('fields')}</dt><dd>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}{a.raw && <span className="badge badge-info">{t('rawShort')}</span>}</dd></div>
        <div><dt>{t('purpose')}</dt><dd>{a.purpose}</dd></div>
        <div><dt>{t('submittedAt')}</dt><dd>{formatTime(a.submittedAt, lang)}</dd></div>
        <div><dt>{t('deadline')}</dt><dd><strong>{a.deadline}</strong></dd></div>
        {a.validUntil && <div><dt>{t('validUntilShort')}</dt><dd>{formatTime(a.validUntil, lang)}</dd></div>}
      </dl>
      <div className="decide">
        <button type="button" disabled={busy} aria-describedby={titleId} onClick={() => void decide(true)}>{t('approve')}</button>
        <form className="reject" onSubmit={(e: FormEvent) => { e.preventDefault(); void decide(false); }}>
          <div className="field grow">
            <label htmlFor={reasonId}>{t('rejectReason')}</label>
            <input id={reasonId} type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="submit" className="button-danger" disabled={busy} aria-describedby={titleId}>{t('reject')}</button>
        </form>
      </div>
      {problem && <p className="error" role="alert">{problem}</p>}
      <ErrorMessage error={error} />
    </article>
  );
}
