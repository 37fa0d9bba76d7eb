import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, Loading, useQuery } from '../../lib/ui.tsx';
import { api, type Category, type Resource } from '../api.ts';
import { BASE, Link, navigate } from '../router.tsx';

const CATEGORIES: Category[] = ['BASE', 'THEME', 'DEPARTMENT'];

export function ShareBadge({ type }: { type: string }) {
  const { tx } = useI18n();
  return <span className={`badge badge-${type}`}>{tx(`share_${type}`, type)}</span>;
}

function counts(resource: Resource) {
  const of = (type: string) => resource.fields.filter((f) => f.shareType === type).length;
  return { u: of('UNCONDITIONAL'), c: of('CONDITIONAL'), n: of('NONE') };
}

/** Resources by category and provider, with search; the filters live in the URL. */
export function CatalogList({ query }: { query: URLSearchParams }) {
  const { t, tx } = useI18n();
  const search = query.get('q') ?? '';
  const category = query.get('category') ?? '';
  const provider = query.get('provider') ?? '';
  const [draft, setDraft] = useState({ search, category, provider });
  const ids = { search: useId(), category: useId(), provider: useId() };
  useEffect(() => setDraft({ search, category, provider }), [search, category, provider]);

  const all = useQuery((signal) => api.catalog({}, { signal }), []);
  const results = useQuery((signal) => api.catalog({ search, category, provider }, { signal }), [search, category, provider]);

  const providers = new Map<string, string>();
  for (const r of all.data ?? []) providers.set(r.provider, r.providerName ?? r.provider);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (draft.search.trim()) params.set('q', draft.search.trim());
    if (draft.category) params.set('category', draft.category);
    if (draft.provider) params.set('provider', draft.provider);
    const qs = params.toString();
    navigate(qs ? `${BASE}?${qs}` : BASE);
  };

  const list = results.data ?? [];
  return (
    <>
      <h1>{t('navCatalog')}</h1>
      <form className="panel row" role="search" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor={ids.search}>{t('searchLabel')}</label>
          <input id={ids.search} type="search" value={draft.search} placeholder={t('searchPlaceholder')}
            onChange={(e) => setDraft({ ...draft, search: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.category}>{t('category')}</label>
          <select id={ids.category} value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })}>
            <option value="">{t('all')}</option>
            {CATEGORIES.map((c) => <option key={c} value={c}>{tx(`cat_${c}`, c)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.provider}>{t('provider')}</label>
          <select id={ids.provider} value={draft.provider} onChange={(e) => setDraft({ ...draft, provider: e.target.value })}>
            <option value="">{t('all')}</option>
            {[...providers].map(([code, name]) => <option key={code} value={code}>{name}</option>)}
          </select>
        </div>
        <div className="field"><button type="submit">{t('searchButton')}</button></div>
      </form>

      <ErrorMessage error={results.error} />
      {results.loading && !results.data ? <Loading /> : (
        <>
          <p className="muted" role="status" aria-live="polite">{t('resultsCount', { n: list.length })}</p>
          {list.length === 0 && <p>{t('noResults')}</p>}
          {CATEGORIES.filter((c) => list.some((r) => r.category === c)).map((c) => {
            const inCategory = list.filter((r) => r.category === c);
            const byProvider = new Map<string, Resource[]>();
            for (const r of inCategory) byProvider.set(r.provider, [...(byProvider.get(r.provider) ?? []), r]);
            return (
              <section key={c} className="category" aria-labelledby={`cat-${c}`}>
                <h2 id={`cat-${c}`}>{tx(`cat_${c}`, c)} <span className="muted small">({inCategory.length})</span></h2>
                <div className="provider-grid">
                {[...byProvider].map(([code, resources]) => (
                  <div key={code} className="provider-group">
                    <h3 className="provider-name">{resources[0]!.providerName ?? code} <span className="muted small">{code}</span></h3>
                    <ul className="resource-list">
                      {resources.map((r) => {
                        const n = counts(r);
                        return (
                          <li key={r.code} className="resource-card panel">
                            <h4><Link to={`${BASE}/resource/${encodeURIComponent(r.code)}`}>{r.name}</Link></h4>
                            <p className="muted small"><code>{r.code}</code> · {t('updateCycle')}: {r.updateCycle}</p>
                            {r.summary && <p>{r.summary}</p>}
                            <p className="small">{t('fieldsSummary', n)}</p>
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                ))}
                </div>
              </section>
            );
          })}
        </>
      )}
      <p className="muted small">{t('exports')}: <a href="/catalog/export.jsonld">DCAT (JSON-LD)</a> · <a href="/catalog/export.csv">CSV</a></p>
    </>
  );
}
