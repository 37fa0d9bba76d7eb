import { useEffect, useRef } from 'react';
import { useSession, type Session } from '../lib/auth.ts';
import { useI18n, type StringKey } from '../lib/i18n.ts';
import { LangSwitch, SessionBadge, SignIn } from '../lib/ui.tsx';
import { BASE, Link, useLocation } from './router.tsx';
import { CatalogList } from './pages/CatalogList.tsx';
import { ResourcePage } from './pages/ResourcePage.tsx';
import { MyApplications, ProviderInbox } from './pages/Applications.tsx';
import { Grants } from './pages/Grants.tsx';
import { DataIssues } from './pages/DataIssues.tsx';
import { EvaluationPage } from './pages/Evaluation.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { NoticesPage } from './pages/Notices.tsx';
import { SubjectAccessPage } from './pages/SubjectAccess.tsx';

const NAV: Array<{ to: string; key: StringKey; match: (path: string) => boolean }> = [
  { to: BASE, key: 'navCatalog', match: (p) => p === '/' || p.startsWith('/resource/') },
  { to: `${BASE}/applications`, key: 'navApplications', match: (p) => p === '/applications' },
  { to: `${BASE}/inbox`, key: 'navInbox', match: (p) => p === '/inbox' },
  { to: `${BASE}/grants`, key: 'navGrants', match: (p) => p === '/grants' },
  { to: `${BASE}/issues`, key: 'navIssues', match: (p) => p === '/issues' },
  { to: `${BASE}/evaluation`, key: 'navEvaluation', match: (p) => p === '/evaluation' },
  { to: `${BASE}/audit`, key: 'navAudit', match: (p) => p === '/audit' },
  { to: `${BASE}/notices`, key: 'navNotices', match: (p) => p === '/notices' },
  { to: `${BASE}/subject-access`, key: 'navSubjectAccess', match: (p) => p === '/subject-access' },
];

function Page({ path, query, session }: { path: string; query: URLSearchParams; session: Session }) {
  const resource = path.match(/^\/resource\/([^/]+)$/);
  if (resource) return <ResourcePage code={decodeURIComponent(resource[1]!)} query={query} />;
  switch (path) {
    case '/applications': return <MyApplications />;
    case '/inbox': return <ProviderInbox />;
    case '/grants': return <Grants session={session} />;
    case '/issues': return <DataIssues query={query} />;
    case '/evaluation': return <EvaluationPage />;
    case '/audit': return <AuditPage />;
    case '/notices': return <NoticesPage />;
    case '/subject-access': return <SubjectAccessPage />;
    default: return <CatalogList query={query} />;
  }
}

export function App() {
  const { t } = useI18n();
  const session = useSession();
  const { path, query } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a client-side navigation, focus moves to the new page (screen readers announce it).
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    main.current?.focus();
  }, [path]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">{t('skipToContent')}</a>
      <header className="top">
        <Link to={BASE} className="brand">{t('appCatalog')}</Link>
        <span className="top-spacer" />
        {session && <SessionBadge session={session} />}
        <a href="/playground" className="top-link">{t('navPlayground')}</a>
        <LangSwitch />
      </header>
      {session && (
        <nav className="nav" aria-label={t('mainNav')}>
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={item.match(path) ? 'page' : undefined}>{t(item.key)}</Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" ref={main} tabIndex={-1} className="main">
        {session ? <Page key={session.token} path={path} query={query} session={session} /> : <SignIn title={t('appCatalog')} />}
      </main>
    </div>
  );
}
