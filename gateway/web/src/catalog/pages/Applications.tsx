import { useId, useState, type FormEvent } from 'react';
import { useSession, type Session } from '../../lib/auth.ts';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { api, byUrgency, type Application } from '../api.ts';
import { BASE, Link } from '../router.tsx';
import { actionFor, EscalateForm, ExtendForm, mayEscalate, openStage, StageBadge, StageTimeline } from './ApplicationStages.tsx';

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

/** The stages of one application, folded: the whole life of it, one click away in any table. */
function StagesCell({ application }: { application: Application }) {
  const { t } = useI18n();
  return (
    <details className="stages-cell">
      <summary>{t('stagesCount', { n: application.stages.length })}</summary>
      <StageTimeline application={application} />
    </details>
  );
}

/** The consumer's applications with their stage, deadlines and overdue flags; a refusal can be escalated from here. */
export function MyApplications() {
  const { t, lang } = useI18n();
  const session = useSession();
  const list = useQuery((signal) => api.applications('CONSUMER', { signal }), []);
  const [notice, setNotice] = useState<string | null>(null);
  const rows = [...(list.data ?? [])].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  return (
    <>
      <h1>{t('myApplicationsTitle')}</h1>
      <ErrorMessage error={list.error} />
      {notice && <p className="notice" role="status">{notice}</p>}
      {list.loading && !list.data ? <Loading /> : rows.length === 0 ? <p>{t('noApplications')}</p> : (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">{t('resource')}</th><th scope="col">{t('fields')}</th><th scope="col">{t('purpose')}</th>
                <th scope="col">{t('submittedAt')}</th><th scope="col">{t('stage')}</th><th scope="col">{t('deadline')}</th><th scope="col">{t('status')}</th>
                <th scope="col">{t('reason')}</th><th scope="col">{t('grant')}</th><th scope="col">{t('stagesTitle')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} className={a.overdue ? 'row-overdue' : undefined} data-application={a.id}>
                  <td data-label={t('resource')}><ResourceLink code={a.resource} /> <span className="muted small">{a.provider}</span></td>
                  <td data-label={t('fields')}>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}{a.raw && <span className="badge badge-info">{t('rawShort')}</span>}</td>
                  <td data-label={t('purpose')}>{a.purpose}</td>
                  <td data-label={t('submittedAt')}>{formatTime(a.submittedAt, lang)}</td>
                  <td data-label={t('stage')}><StageBadge application={a} /></td>
                  <td data-label={t('deadline')}>{a.deadline} <OverdueBadge overdue={a.overdue} /></td>
                  <td data-label={t('status')}><StatusBadge status={a.status} />{a.decidedAt && <span className="muted small"> {formatTime(a.decidedAt, lang)}</span>}</td>
                  <td data-label={t('reason')}>
                    {a.reason ?? <span className="muted dash">—</span>}
                    {session && mayEscalate(session, a) && (
                      <EscalateForm application={a} onDone={(done) => {
                        const stage = openStage(done);
                        setNotice(t('escalateDone', { holder: stage?.holderName ?? stage?.holder ?? '', deadline: done.deadline }));
                        list.reload();
                      }} />
                    )}
                  </td>
                  <td data-label={t('grant')}><GrantSummary application={a} /></td>
                  <td data-label={t('stagesTitle')}><StagesCell application={a} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/**
 * The inbox of whoever decides a stage: the provider's applications, and for the data authority its
 * pre-reviews and escalations. What the signed-in department may act on comes first (overdue first),
 * each with its stages; what waits at another department and what is decided follow.
 */
export function ProviderInbox() {
  const { t, lang } = useI18n();
  const session = useSession();
  const list = useQuery((signal) => api.applications('PROVIDER', { signal }), []);
  const settings = useQuery((signal) => api.workflowSettings({ signal }), []);
  const [notice, setNotice] = useState<string | null>(null);
  const all = list.data ?? [];
  const open = all.filter((a) => a.stage !== 'DECIDED');
  const mine = session ? open.filter((a) => actionFor(session, a)).sort(byUrgency) : [];
  const waiting = open.filter((a) => !mine.includes(a)).sort(byUrgency);
  const decided = all.filter((a) => a.stage === 'DECIDED').sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''));
  const done = (message: string) => { setNotice(message); list.reload(); };

  return (
    <>
      <h1>{t('inboxTitle')}</h1>
      <p className="muted">{t('inboxIntro')}</p>
      <ErrorMessage error={list.error} />
      {notice && <p className="notice" role="status">{notice}</p>}
      {list.loading && !list.data ? <Loading /> : (
        <>
          <section aria-labelledby="pending-title">
            <h2 id="pending-title">{t('pendingSection')} <span className="muted small">({mine.length})</span></h2>
            {mine.length === 0 && <p>{t('noApplications')}</p>}
            <ul className="cards-list">
              {session && mine.map((a) => (
                <li key={a.id} className={`panel application${a.overdue ? ' is-overdue' : ''}`} data-application={a.id}>
                  <PendingApplication application={a} session={session} maxExtension={settings.data?.maxExtensionWorkingDays ?? 10} onDone={(result, extended) => done(extended
                    ? t('extendDone', { deadline: result.deadline })
                    : t('decisionDone', { status: t(result.status === 'APPROVED' ? 'st_APPROVED' : result.status === 'REJECTED' ? 'st_REJECTED' : 'st_PENDING'), id: result.id }))} />
                </li>
              ))}
            </ul>
          </section>
          {waiting.length > 0 && (
            <section aria-labelledby="waiting-title">
              <h2 id="waiting-title">{t('waitingSection')} <span className="muted small">({waiting.length})</span></h2>
              <ApplicationTable rows={waiting} lang={lang} />
            </section>
          )}
          <section aria-labelledby="decided-title">
            <h2 id="decided-title">{t('decidedSection')} <span className="muted small">({decided.length})</span></h2>
            {decided.length === 0 ? <p>{t('noApplications')}</p> : <ApplicationTable rows={decided} lang={lang} />}
          </section>
        </>
      )}
    </>
  );
}

function ApplicationTable({ rows, lang }: { rows: Application[]; lang: 'zh' | 'en' }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="cards">
        <thead>
          <tr>
            <th scope="col">{t('consumer')}</th><th scope="col">{t('resource')}</th><th scope="col">{t('fields')}</th><th scope="col">{t('stage')}</th>
            <th scope="col">{t('deadline')}</th><th scope="col">{t('status')}</th><th scope="col">{t('reason')}</th><th scope="col">{t('grant')}</th>
            <th scope="col">{t('stagesTitle')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id} className={a.overdue ? 'row-overdue' : undefined} data-application={a.id}>
              <td data-label={t('consumer')}>{a.consumer}</td>
              <td data-label={t('resource')}><ResourceLink code={a.resource} /></td>
              <td data-label={t('fields')}>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}</td>
              <td data-label={t('stage')}><StageBadge application={a} /></td>
              <td data-label={t('deadline')}>{a.deadline} <OverdueBadge overdue={a.overdue} /></td>
              <td data-label={t('status')}><StatusBadge status={a.status} />{a.decidedAt && <span className="muted small"> {formatTime(a.decidedAt, lang)}</span>}</td>
              <td data-label={t('reason')}>{a.reason ?? <span className="muted dash">—</span>}</td>
              <td data-label={t('grant')}><GrantSummary application={a} /></td>
              <td data-label={t('stagesTitle')}><StagesCell application={a} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One application the signed-in department decides now: approve or reject (a review), overturn or uphold (an escalation), or extend. */
function PendingApplication({ application: a, session, maxExtension, onDone }: {
  application: Application; session: Session; maxExtension: number; onDone: (a: Application, extended: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const { problem, error, busy, run } = useAction();
  const reasonId = useId();
  const titleId = useId();
  const escalation = actionFor(session, a) === 'escalation';
  const stage = openStage(a);

  // A rejection needs a reason; so does either decision on an escalation.
  const decide = (approve: boolean) => run((escalation || !approve) && !reason.trim() ? t(escalation ? 'decisionReasonRequired' : 'reasonRequired') : null,
    async () => onDone(escalation
      ? await api.decideEscalation(a.id, approve, reason.trim())
      : await api.review(a.id, approve, approve ? (reason.trim() || undefined) : reason.trim()), false));

  return (
    <article aria-labelledby={titleId}>
      <h3 id={titleId}>
        {a.consumer} → <code>{a.resource}</code> <StageBadge application={a} /> <OverdueBadge overdue={stage?.overdue ?? a.overdue} />
      </h3>
      <dl className="facts">
        <div><dt>{t('fields')}</dt><dd>{a.fields.map((f) => <code key={f} className="chip">{f}</code>)}{a.raw && <span className="badge badge-info">{t('rawShort')}</span>}</dd></div>
        <div><dt>{t('purpose')}</dt><dd>{a.purpose}</dd></div>
        <div><dt>{t('submittedAt')}</dt><dd>{formatTime(a.submittedAt, lang)}</dd></div>
        <div><dt>{t('deadline')}</dt><dd><strong>{a.deadline}</strong></dd></div>
        {a.validUntil && <div><dt>{t('validUntilShort')}</dt><dd>{formatTime(a.validUntil, lang)}</dd></div>}
        {a.escalationReason && <div><dt>{t('escalationReason')}</dt><dd>{a.escalationReason}</dd></div>}
      </dl>
      <StageTimeline application={a} />
      <div className="decide">
        <button type="button" disabled={busy} aria-describedby={titleId} onClick={() => void decide(true)}>{t(escalation ? 'overturn' : 'approve')}</button>
        <form className="reject" onSubmit={(e: FormEvent) => { e.preventDefault(); void decide(false); }}>
          <div className="field grow">
            <label htmlFor={reasonId}>{t(escalation ? 'decisionReason' : 'rejectReason')}</label>
            <input id={reasonId} type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="submit" className="button-danger" disabled={busy} aria-describedby={titleId}>{t(escalation ? 'uphold' : 'reject')}</button>
        </form>
      </div>
      {problem && <p className="error" role="alert">{problem}</p>}
      <ErrorMessage error={error} />
      <ExtendForm application={a} max={maxExtension} onDone={(extended) => onDone(extended, true)} />
    </article>
  );
}
