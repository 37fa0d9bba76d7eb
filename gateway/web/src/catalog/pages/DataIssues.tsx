import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { api, byUrgency, type DataIssue } from '../api.ts';
import { OverdueBadge, StatusBadge } from './Applications.tsx';
import { recallApi, type RecallRecipient } from '../recall-api.ts';
import { RecallRecipients } from './RecallRecipients.tsx';

const RESOLUTIONS = ['CORRECTED', 'CONFIRMED_CORRECT', 'REJECTED'];

/** 信息校核: report a doubted value to its provider; the provider resolves it within 5 working days. */
export function DataIssues({ query }: { query: URLSearchParams }) {
  const { t } = useI18n();
  const reported = useQuery((signal) => api.issues('CONSUMER', { signal }), []);
  const received = useQuery((signal) => api.issues('PROVIDER', { signal }), []);
  // Who each correction was recalled from: the provider's view only (null elsewhere).
  const recalled = useQuery((signal) => recallApi.recalled({ signal }), []);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <>
      <h1>{t('issuesTitle')}</h1>
      {notice && <p className="notice" role="status">{notice}</p>}
      <ReportForm initialResource={query.get('resource') ?? ''} onReported={(issue) => {
        setNotice(t('issueReported', { deadline: issue.deadline }));
        reported.reload();
      }} />
      <section aria-labelledby="received-title">
        <h2 id="received-title">{t('issuesReceived')}</h2>
        <ErrorMessage error={received.error} />
        {received.loading && !received.data ? <Loading /> : (received.data ?? []).length === 0 ? <p>{t('noIssues')}</p> : (
          <ul className="cards-list">
            {[...(received.data ?? [])].sort((a, b) => (a.status === b.status ? byUrgency(a, b) : a.status === 'OPEN' ? -1 : 1)).map((issue) => (
              <li key={issue.id} className={`panel${issue.overdue ? ' is-overdue' : ''}`}>
                <ReceivedIssue issue={issue} recalled={recalled.data?.get(issue.id)}
                  onResolved={() => { setNotice(`${t('st_RESOLVED')}: ${issue.id}`); received.reload(); recalled.reload(); }} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="reported-title">
        <h2 id="reported-title">{t('issuesReported')}</h2>
        <ErrorMessage error={reported.error} />
        {reported.loading && !reported.data ? <Loading /> : <IssueTable issues={[...(reported.data ?? [])].sort(byUrgency)} />}
      </section>
    </>
  );
}

function IssueTable({ issues }: { issues: DataIssue[] }) {
  const { t, tx, lang } = useI18n();
  if (issues.length === 0) return <p>{t('noIssues')}</p>;
  return (
    <div className="table-wrap">
      <table className="cards">
        <thead>
          <tr>
            <th scope="col">{t('resource')}</th><th scope="col">{t('coordinate')}</th><th scope="col">{t('recordKey')}</th>
            <th scope="col">{t('issueDescription')}</th><th scope="col">{t('deadline')}</th><th scope="col">{t('status')}</th><th scope="col">{t('resolution')}</th>
          </tr>
        </thead>
        <tbody>
          {issues.map((i) => (
            <tr key={i.id}>
              <td data-label={t('resource')}><code>{i.resource}</code> <span className="muted small">{i.provider}</span></td>
              <td data-label={t('coordinate')}><code>{i.coordinate}</code></td>
              <td data-label={t('recordKey')}><code>{i.recordKey}</code></td>
              <td data-label={t('issueDescription')}>{i.description}</td>
              <td data-label={t('deadline')}>{i.deadline} <OverdueBadge overdue={i.overdue} /></td>
              <td data-label={t('status')}><StatusBadge status={i.status} /> <span className="muted small">{formatTime(i.resolvedAt ?? i.reportedAt, lang)}</span></td>
              <td data-label={t('resolution')}>{i.resolution ? `${tx(`res_${i.resolution}`, i.resolution)}${i.note ? ` — ${i.note}` : ''}` : <span className="muted dash">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReportForm({ initialResource, onReported }: { initialResource: string; onReported: (issue: DataIssue) => void }) {
  const { t } = useI18n();
  const catalog = useQuery((signal) => api.catalog({}, { signal }), []);
  const [resource, setResource] = useState(initialResource);
  const [coordinate, setCoordinate] = useState('');
  const [recordKey, setRecordKey] = useState('');
  const [description, setDescription] = useState('');
  const { problem, error, busy, run } = useAction();
  const ids = { resource: useId(), coordinate: useId(), key: useId(), description: useId() };
  const fields = (catalog.data ?? []).find((r) => r.code === resource)?.fields.filter((f) => f.shareType !== 'NONE') ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(!resource || !coordinate || !recordKey.trim() || !description.trim() ? t('allFieldsRequired') : null, async () => {
      onReported(await api.reportIssue({ resource, coordinate, recordKey: recordKey.trim(), description: description.trim() }));
      setRecordKey(''); setDescription('');
    });
  };

  return (
    <section className="panel" aria-labelledby="report-title">
      <h2 id="report-title">{t('reportIssue')}</h2>
      <form onSubmit={submit} noValidate>
        <div className="row">
          <div className="field grow">
            <label htmlFor={ids.resource}>{t('resource')}</label>
            <select id={ids.resource} value={resource} onChange={(e) => { setResource(e.target.value); setCoordinate(''); }}>
              <option value="">—</option>
              {(catalog.data ?? []).map((r) => <option key={r.code} value={r.code}>{r.name} ({r.code})</option>)}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={ids.coordinate}>{t('coordinate')}</label>
            <select id={ids.coordinate} value={coordinate} onChange={(e) => setCoordinate(e.target.value)} disabled={!resource}>
              <option value="">—</option>
              {fields.map((f) => <option key={f.coordinate} value={f.coordinate}>{f.coordinate}</option>)}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={ids.key}>{t('recordKey')}</label>
            <input id={ids.key} type="text" value={recordKey} onChange={(e) => setRecordKey(e.target.value)} />
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.description}>{t('issueDescription')}</label>
          <textarea id={ids.description} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        {problem && <p className="error" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{t('submitIssue')}</button>
      </form>
      <ErrorMessage error={error ?? catalog.error} />
    </section>
  );
}

function ReceivedIssue({ issue: i, recalled, onResolved }: { issue: DataIssue; recalled: RecallRecipient[] | null | undefined; onResolved: () => void }) {
  const { t, tx, lang } = useI18n();
  const [resolution, setResolution] = useState('CORRECTED');
  const [note, setNote] = useState('');
  const { problem, error, busy, run } = useAction();
  const ids = { resolution: useId(), note: useId(), title: useId() };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(note.trim() ? null : t('noteRequired'), async () => { await api.resolveIssue(i.id, resolution, note.trim()); onResolved(); });
  };

  return (
    <article aria-labelledby={ids.title}>
      <h3 id={ids.title}>{i.reporter} · <code>{i.coordinate}</code> <StatusBadge status={i.status} /> <OverdueBadge overdue={i.overdue} /></h3>
      <dl className="facts">
        <div><dt>{t('recordKey')}</dt><dd><code>{i.recordKey}</code></dd></div>
        <div><dt>{t('issueDescription')}</dt><dd>{i.description}</dd></div>
        <div><dt>{t('reportedAt')}</dt><dd>{formatTime(i.reportedAt, lang)}</dd></div>
        <div><dt>{t('deadline')}</dt><dd><strong>{i.deadline}</strong></dd></div>
        {i.resolution && <div><dt>{t('resolution')}</dt><dd>{tx(`res_${i.resolution}`, i.resolution)}{i.note ? ` — ${i.note}` : ''}</dd></div>}
      </dl>
      {i.resolution === 'CORRECTED' && <RecallRecipients recalled={recalled} />}
      {i.status === 'OPEN' && (
        <form className="reject" onSubmit={submit}>
          <div className="field">
            <label htmlFor={ids.resolution}>{t('resolution')}</label>
            <select id={ids.resolution} value={resolution} onChange={(e) => setResolution(e.target.value)}>
              {RESOLUTIONS.map((r) => <option key={r} value={r}>{tx(`res_${r}`, r)}</option>)}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={ids.note}>{t('note')}</label>
            <input id={ids.note} type="text" value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" disabled={busy} aria-describedby={ids.title}>{t('resolve')}</button>
        </form>
      )}
      {problem && <p className="error" role="alert">{problem}</p>}
      <ErrorMessage error={error} />
    </article>
  );
}
