import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, Loading } from '../../lib/ui.tsx';
import { recallApi, type SubjectAccess } from '../recall-api.ts';

/**
 * 数据访问记录查询 ("who read my data"): for a provider (reads of its own fields) or a service desk (all),
 * which departments read one person's or enterprise's data, when, which fields and why.
 */
export function SubjectAccessPage() {
  const { t, lang } = useI18n();
  const [draft, setDraft] = useState('');
  const [state, setState] = useState<{ key: string; entries: SubjectAccess[]; cursor: string | null; loading: boolean; error: unknown } | null>(null);
  const ids = { key: useId(), hint: useId() };

  const load = async (key: string, after: string | null, previous: SubjectAccess[]) => {
    setState({ key, entries: previous, cursor: after, loading: true, error: null });
    try {
      const page = await recallApi.subjectAccessLog(key, after);
      setState({ key, entries: [...previous, ...page.entries], cursor: page.nextCursor, loading: false, error: null });
    } catch (error) {
      setState({ key, entries: previous, cursor: after, loading: false, error });
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim()) void load(draft.trim(), null, []);
  };

  return (
    <>
      <h1>{t('subjectTitle')}</h1>
      <p className="muted">{t('subjectIntro')}</p>
      <form className="panel row" onSubmit={submit} role="search">
        <div className="field grow">
          <label htmlFor={ids.key}>{t('subjectKey')}</label>
          <input id={ids.key} type="text" value={draft} onChange={(e) => setDraft(e.target.value)} aria-describedby={ids.hint}
            autoComplete="off" spellCheck={false} className="mono" />
          <p id={ids.hint} className="muted small">{t('subjectKeyHint')}</p>
        </div>
        <div className="field"><button type="submit">{t('subjectSearch')}</button></div>
      </form>
      {state && <ErrorMessage error={state.error} />}
      {state?.loading && state.entries.length === 0 ? <Loading /> : state && !state.error && (
        state.entries.length === 0 ? <p role="status">{t('subjectNone')}</p> : (
          <>
            <p role="status">{t('subjectCount', { n: state.entries.length })}</p>
            <div className="table-wrap">
              <table className="cards">
                <thead>
                  <tr>
                    <th scope="col">{t('at')}</th><th scope="col">{t('consumer')}</th><th scope="col">{t('purpose')}</th>
                    <th scope="col">{t('fields')}</th><th scope="col">{t('auditRecord')}</th>
                  </tr>
                </thead>
                <tbody>
                  {state.entries.map((e) => (
                    <tr key={e.auditRecordId}>
                      <td data-label={t('at')}>{formatTime(e.at, lang)}</td>
                      <td data-label={t('consumer')}>{e.consumerName ?? e.consumer} <span className="muted small">({e.consumer})</span></td>
                      <td data-label={t('purpose')}>{e.purpose ?? <span className="muted dash">—</span>}
                        {e.confidentialUntil && <div className="small muted">{t('embargoEnded', { at: formatTime(e.confidentialUntil, lang) })}</div>}</td>
                      <td data-label={t('fields')}>{e.fields.map((f) => <code key={f} className="chip">{f}</code>)}</td>
                      <td data-label={t('auditRecord')}><code>#{e.auditRecordId}</code></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {state.cursor && !state.error && (
              <button type="button" className="button-secondary" disabled={state.loading}
                onClick={() => void load(state.key, state.cursor, state.entries)}>{t('more')}</button>
            )}
          </>
        )
      )}
    </>
  );
}
