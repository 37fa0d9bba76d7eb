import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useAction, useQuery } from '../../lib/ui.tsx';
import { api, appliableFields, type Application, type Resource } from '../api.ts';
import { BASE, Link } from '../router.tsx';
import { ShareBadge } from './CatalogList.tsx';
import { ResourceMetadata } from './ResourceMetadata.tsx';
import { SealedCompareForm } from './SealedCompareForm.tsx';
import { ClaimKeyRotation } from './ClaimKeyRotation.tsx';

/** A resource's fields (share type, mask, condition, comparison), its provider, and the application form. */
export function ResourcePage({ code, query }: { code: string; query: URLSearchParams }) {
  const { t, tx, lang } = useI18n();
  const resource = useQuery((signal) => api.resource(code, { signal }), [code]);
  if (resource.loading && !resource.data) return <Loading />;
  if (resource.error) return <><Link to={BASE}>← {t('backToCatalog')}</Link><ErrorMessage error={resource.error} /></>;
  const r = resource.data;
  if (!r) return <><Link to={BASE}>← {t('backToCatalog')}</Link><p role="alert">{t('notFound', { code })}</p></>;

  return (
    <>
      <p><Link to={BASE}>← {t('backToCatalog')}</Link></p>
      <h1>{r.name}</h1>
      <div className="panel">
        <dl className="facts">
          <div><dt>{t('resourceCode')}</dt><dd><code>{r.code}</code></dd></div>
          <div><dt>{t('provider')}</dt><dd>{r.providerName ?? r.provider} <span className="muted">({r.provider})</span></dd></div>
          <div><dt>{t('category')}</dt><dd>{tx(`cat_${r.category}`, r.category)}</dd></div>
          <div><dt>{t('updateCycle')}</dt><dd>{r.updateCycle}</dd></div>
          <div><dt>{t('subgraph')}</dt><dd><code>{r.subgraph}</code></dd></div>
          <div><dt>{t('publishedAt')}</dt><dd>{formatTime(r.publishedAt, lang)}</dd></div>
          <div><dt>{t('updatedAt')}</dt><dd>{formatTime(r.updatedAt, lang)}</dd></div>
        </dl>
        {r.summary && <p>{r.summary}</p>}
      </div>
      <ResourceMetadata resource={r} />

      <section aria-labelledby="fields-title">
        <h2 id="fields-title">{t('fields')} <span className="muted small">({r.fields.length})</span></h2>
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr><th scope="col">{t('field')}</th><th scope="col">{t('dataType')}</th><th scope="col">{t('shareType')}</th><th scope="col">{t('mask')}</th><th scope="col">{t('condition')}</th><th scope="col">{t('compare')}</th><th scope="col">{t('description')}</th></tr>
            </thead>
            <tbody>
              {r.fields.map((f) => (
                <tr key={f.coordinate}>
                  <td data-label={t('field')}><code>{f.coordinate}</code></td>
                  <td data-label={t('dataType')}>{tx(`item_${f.itemType}`, f.itemType)} <code className="muted small">{f.dataType}</code></td>
                  <td data-label={t('shareType')}><ShareBadge type={f.shareType} /></td>
                  <td data-label={t('mask')}>{f.mask ? <span className="badge badge-info">{f.mask}</span> : <span className="muted dash">—</span>}</td>
                  <td data-label={t('condition')}>{f.condition ?? <span className="muted dash">—</span>}</td>
                  <td data-label={t('compare')}>{f.compare ? <span className="badge badge-info">{t('compareYes')}</span> : <span className="muted dash">—</span>}</td>
                  <td data-label={t('description')}>{f.description ?? <span className="muted dash">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <ApplyForm resource={r} preselected={(query.get('fields') ?? '').split(',').filter(Boolean)} />
      {r.fields.some((f) => f.compare && f.coordinate.startsWith('Query.')) && <><SealedCompareForm resource={r} /><ClaimKeyRotation resource={r} /></>}
      <p><Link to={`${BASE}/issues?resource=${encodeURIComponent(r.code)}`}>{t('reportIssueHere')}</Link></p>
    </>
  );
}

/** Who answers within how long, as GOVSHARE_WORKFLOW sets it (CONTRACT §6's text until it is read). */
function ApplyIntro() {
  const { t } = useI18n();
  const settings = useQuery((signal) => api.workflowSettings({ signal }), []).data;
  if (!settings) return <p className="muted">{t('applyIntro')}</p>;
  return (
    <p className="muted">
      {settings.preReviewBy
        ? t('applyIntroStaged', { reviewer: settings.preReviewBy, pre: settings.preReviewWorkingDays ?? 0, days: settings.providerWorkingDays })
        : t('applyIntroDays', { days: settings.providerWorkingDays })}
    </p>
  );
}

function ApplyForm({ resource, preselected }: { resource: Resource; preselected: string[] }) {
  const { t, tx } = useI18n();
  const appliable = useQuery((signal) => appliableFields(resource, { signal }), [resource]);
  const conditional = resource.fields.filter((f) => f.shareType === 'CONDITIONAL' && (appliable.data ?? []).includes(f.coordinate));
  const [fields, setFields] = useState<string[]>(preselected);
  const [purpose, setPurpose] = useState('');
  const [raw, setRaw] = useState(false);
  const [validUntil, setValidUntil] = useState('');
  const { problem, error, busy, run } = useAction();
  const [done, setDone] = useState<Application | null>(null);
  const ids = { purpose: useId(), purposeHint: useId(), validUntil: useId(), raw: useId() };
  const noticeRef = useRef<HTMLParagraphElement>(null);
  // The submit button is disabled while the request runs: the focus goes to the outcome instead of the page body.
  useEffect(() => { if (done) noticeRef.current?.focus(); }, [done]);

  if (appliable.loading && !appliable.data) return <Loading />;
  if (conditional.length === 0) return <section className="panel"><h2>{t('applyTitle')}</h2><p>{t('noConditional')}</p></section>;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const chosen = fields.filter((c) => conditional.some((f) => f.coordinate === c));
    const missing = chosen.length === 0 ? t('pickAField') : !purpose.trim() ? t('purposeRequired') : null;
    void run(missing, async () => {
      setDone(await api.apply({
        resource: resource.code, fields: chosen, purpose: purpose.trim(), raw,
        // The end of the chosen day in Asia/Shanghai.
        validUntil: validUntil ? `${validUntil}T23:59:59+08:00` : null,
      }));
    });
  };

  return (
    <section className="panel" aria-labelledby="apply-title">
      <h2 id="apply-title">{t('applyTitle')}</h2>
      <ApplyIntro />
      <form onSubmit={submit} noValidate>
        <fieldset className="field">
          <legend>{t('applyFields')}</legend>
          <div className="checks checks-column">
            {conditional.map((f) => (
              <label key={f.coordinate} className="check">
                <input type="checkbox" name="fields" value={f.coordinate} checked={fields.includes(f.coordinate)}
                  onChange={(e) => setFields(e.target.checked ? [...fields, f.coordinate] : fields.filter((c) => c !== f.coordinate))} />
                <code>{f.coordinate}</code>
                {f.condition && <span className="muted small">— {f.condition}</span>}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.purpose}>{t('purpose')}</label>
          <textarea id={ids.purpose} rows={2} required aria-describedby={ids.purposeHint} value={purpose} maxLength={200}
            onChange={(e) => setPurpose(e.target.value)} />
          <p id={ids.purposeHint} className="muted small">{t('purposeHint')}</p>
        </div>
        <div className="row">
          <div className="field">
            <label className="check" htmlFor={ids.raw}>
              <input id={ids.raw} type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} />
              {t('raw')}
            </label>
          </div>
          <div className="field">
            <label htmlFor={ids.validUntil}>{t('validUntil')}</label>
            <input id={ids.validUntil} type="date" value={validUntil} onChange={(e) => setValidUntil(e.target.value)} />
          </div>
        </div>
        {problem && <p className="error" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{t('submitApplication')}</button>
      </form>
      <ErrorMessage error={error} />
      {done && (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t('submitted', { status: tx(`st_${done.status}`, done.status), deadline: done.deadline })}{' '}
          <Link to={`${BASE}/applications`}>{t('navApplications')}</Link>
        </p>
      )}
    </section>
  );
}
