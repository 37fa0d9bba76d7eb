import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading, useQuery } from '../../lib/ui.tsx';
import { api, type AuditRecord } from '../api.ts';

/** The audit log the caller may see (own requests, requests touching its resources, or all for admin), and the chain check. */
export function AuditPage() {
  const { t, tx, lang } = useI18n();
  const [filter, setFilter] = useState({ resource: '', consumer: '' });
  const [draft, setDraft] = useState(filter);
  const first = useQuery((signal) => api.audit(filter, { signal }), [filter.resource, filter.consumer]);
  const [more, setMore] = useState<{ records: AuditRecord[]; cursor: string | null }>({ records: [], cursor: null });
  const [moreError, setMoreError] = useState<unknown>(null);
  const ids = { resource: useId(), consumer: useId() };

  useEffect(() => { setMore({ records: [], cursor: first.data?.auditLog.nextCursor ?? null }); }, [first.data]);

  const loadMore = async () => {
    setMoreError(null);
    try {
      const page = await api.audit({ ...filter, after: more.cursor });
      setMore({ records: [...more.records, ...page.auditLog.records], cursor: page.auditLog.nextCursor });
    } catch (caught) { setMoreError(caught); }
  };

  const chain = first.data?.verifyAuditChain;
  const records = [...(first.data?.auditLog.records ?? []), ...more.records];

  return (
    <>
      <h1>{t('auditTitle')}</h1>
      {chain && (
        <p className={chain.ok ? 'notice' : 'error'} role="status">
          {chain.ok ? `✓ ${t('chainOk', { n: chain.checked })}` : `✗ ${t('chainBroken', { id: chain.firstBrokenId ?? '?', n: chain.checked })}`}
        </p>
      )}
      <form className="panel row" onSubmit={(e: FormEvent) => { e.preventDefault(); setFilter(draft); }}>
        <div className="field grow">
          <label htmlFor={ids.resource}>{t('filterResource')}</label>
          <input id={ids.resource} type="text" value={draft.resource} placeholder="POP-PERSON" onChange={(e) => setDraft({ ...draft, resource: e.target.value.trim() })} />
        </div>
        <div className="field grow">
          <label htmlFor={ids.consumer}>{t('filterConsumer')}</label>
          <input id={ids.consumer} type="text" value={draft.consumer} placeholder="tax" onChange={(e) => setDraft({ ...draft, consumer: e.target.value.trim() })} />
        </div>
        <div className="field"><button type="submit">{t('applyFilter')}</button></div>
      </form>
      <ErrorMessage error={first.error} />
      {first.loading && !first.data ? <Loading /> : records.length === 0 ? <p>{t('noRecords')}</p> : (
        <div className="table-wrap">
          <table className="cards audit">
            <thead>
              <tr>
                <th scope="col">{t('at')}</th><th scope="col">{t('consumer')}</th><th scope="col">{t('operation')}</th>
                <th scope="col">{t('purpose')}</th><th scope="col">{t('resourcesAndFields')}</th><th scope="col">{t('decision')}</th>
                <th scope="col">{t('maskedFields')}</th><th scope="col">{t('duration')}</th><th scope="col">hash</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.id}>
                  <td data-label={t('at')}>{formatTime(r.at, lang)}</td>
                  <td data-label={t('consumer')}>{r.consumer}{r.operator && <span className="muted small"> / {r.operator}</span>}</td>
                  <td data-label={t('operation')}>{r.operationName ?? <span className="muted">{r.kind}</span>}{r.detail && <div className="small muted">{r.detail}</div>}</td>
                  <td data-label={t('purpose')}>{r.purpose ?? <span className="muted dash">—</span>}</td>
                  <td data-label={t('resourcesAndFields')}>
                    {r.resources.map((code) => <code key={code} className="chip">{code}</code>)}
                    {r.fields.length > 0 && (
                      <details>
                        <summary>{t('fieldCount', { n: r.fields.length })}</summary>
                        {r.fields.map((f) => <code key={f} className="chip">{f}</code>)}
                      </details>
                    )}
                  </td>
                  <td data-label={t('decision')}>
                    <span className={`badge ${r.decision === 'ALLOWED' ? 'badge-ok' : 'badge-danger'}`}>{tx(`dec_${r.decision}`, r.decision)}</span>
                    {r.errorCode && <span className="small"> {r.errorCode}</span>}
                  </td>
                  <td data-label={t('maskedFields')}>{r.maskedFields.length ? r.maskedFields.map((f) => <code key={f} className="chip">{f}</code>) : <span className="muted dash">—</span>}</td>
                  <td data-label={t('duration')}>{r.durationMs == null ? '—' : `${r.durationMs.toFixed(1)} ms`}</td>
                  <td data-label="hash"><code className="hash" title={`${r.hash}\n← ${r.prevHash}`}>{r.hash.slice(0, 12)}…</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={moreError} />
      {more.cursor && <p><button type="button" className="button-secondary" onClick={() => void loadMore()}>{t('more')}</button></p>}
    </>
  );
}
