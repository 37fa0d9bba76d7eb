import { useI18n } from '../../lib/i18n.ts';
import type { Resource } from '../api.ts';
import { BASE, Link } from '../router.tsx';

/**
 * The catalog's core metadata of one resource (GB/T 21063.3; 政务信息资源目录编制指南): code by the coding
 * rule, format, sharing method, openness to the public, related resources, who keeps the metadata and
 * when it last changed, keywords.
 */
export function ResourceMetadata({ resource: r }: { resource: Resource }) {
  const { t, tx } = useI18n();
  const dash = <span className="muted dash">—</span>;
  const maintainer = r.metadataMaintainer === r.provider && r.providerName ? `${r.providerName} (${r.provider})` : r.metadataMaintainer;
  return (
    <section className="panel" aria-labelledby="metadata-title">
      <h2 id="metadata-title">{t('metadataTitle')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('catalogCode')} <span className="muted small">({t('catalogCodeHint')})</span></dt>
          <dd>{r.catalogCode ? <code>{r.catalogCode}</code> : <span className="muted">{t('notCatalogued')}</span>}</dd>
        </div>
        <div><dt>{t('resourceFormat')}</dt><dd>{tx(`fmt_${r.format}`, r.format)}</dd></div>
        <div><dt>{t('shareMethod')}</dt><dd>{tx(`method_${r.shareMethod}`, r.shareMethod)}</dd></div>
        <div>
          <dt>{t('openType')}</dt>
          <dd><span className={`badge badge-${r.openType}`}>{tx(`open_${r.openType}`, r.openType)}</span></dd>
        </div>
        <div><dt>{t('metadataMaintainer')}</dt><dd>{maintainer}</dd></div>
        <div><dt>{t('metadataUpdatedOn')}</dt><dd>{r.metadataUpdatedOn ?? dash}</dd></div>
      </dl>
      {r.openCondition && <p><span className="muted">{t('openCondition')}：</span>{r.openCondition}</p>}
      <h3 className="small">{t('keywords')}</h3>
      {r.keywords.length === 0 ? <p>{dash}</p> : (
        <ul className="keyword-list" aria-label={t('keywords')}>
          {r.keywords.map((k) => <li key={k}><span className="badge badge-info">{k}</span></li>)}
        </ul>
      )}
      <h3 className="small">{t('relatedResources')}</h3>
      {r.relatedResources.length === 0 ? <p>{dash}</p> : (
        <ul aria-label={t('relatedResources')}>
          {r.relatedResources.map((related) => (
            <li key={related.code}>
              {related.name
                ? <Link to={`${BASE}/resource/${encodeURIComponent(related.code)}`}>{related.name}</Link>
                : <span>{related.code} <span className="muted small">({t('notInCatalog')})</span></span>}
              {' '}<code className="small">{related.catalogCode ?? related.code}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
