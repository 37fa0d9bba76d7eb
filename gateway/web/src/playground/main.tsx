// Monaco's workers (editor, JSON, GraphQL) are bundled by Vite into /assets: no CDN.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import '../lib/base.css';
import './playground.css';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useSession } from '../lib/auth.ts';
import { encodeHeaderValue, GRAPHQL_URL } from '../lib/graphql.ts';
import { useI18n } from '../lib/i18n.ts';
import { LangSwitch, SessionBadge, SignIn } from '../lib/ui.tsx';
import { EXAMPLES } from './examples.ts';

const DEFAULT_PURPOSE = '税务稽查';

type Fetcher = GraphiQLProps['fetcher'];

/**
 * Every request, the schema introspection included, carries the headers of the headers editor;
 * without an Authorization header the signed-in token is added, so the docs explorer always shows
 * the signed-in department's own schema. Non-ASCII header values are percent-encoded (CONTRACT §2).
 */
function createFetcher(token: string): Fetcher {
  return async (params, options) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    let hasAuthorization = false;
    for (const [name, value] of Object.entries(options?.headers ?? {})) {
      if (value === undefined || value === null || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) continue;
      if (name.toLowerCase() === 'authorization') hasAuthorization = true;
      headers[name] = encodeHeaderValue(String(value));
    }
    if (!hasAuthorization) headers.authorization = `Bearer ${token}`;
    const response = await fetch(GRAPHQL_URL, { method: 'POST', headers, body: JSON.stringify(withCurrentOperation(params)) });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}`, extensions: { code: `HTTP_${response.status}` } }] };
    }
  };
}

/**
 * GraphiQL can send a freshly switched tab's document with the previous tab's operationName (its
 * state lags the editor), which the gateway rightly refuses: keep the name only when the document
 * defines an operation of that name.
 */
function withCurrentOperation(params: Parameters<Fetcher>[0]): Parameters<Fetcher>[0] {
  const name = params.operationName;
  if (!name || typeof params.query !== 'string') return params;
  const defined = new RegExp(`\\b(query|mutation|subscription)\\s+${name.replace(/[^_0-9A-Za-z]/g, '')}\\b`).test(params.query);
  if (defined) return params;
  const { operationName: _stale, ...rest } = params;
  return rest as Parameters<Fetcher>[0];
}

/** Tabs live as long as the page: each sign-in starts from the saved examples with its own token. */
class MemoryStorage implements Storage {
  private readonly map = new Map<string, string>();
  get length() { return this.map.size; }
  clear() { this.map.clear(); }
  getItem(key: string) { return this.map.get(key) ?? null; }
  key(index: number) { return [...this.map.keys()][index] ?? null; }
  removeItem(key: string) { this.map.delete(key); }
  setItem(key: string, value: string) { this.map.set(key, String(value)); }
}

function Playground() {
  const { t } = useI18n();
  const session = useSession();
  const token = session?.token ?? '';
  const fetcher = useMemo(() => createFetcher(token), [token]);
  const storage = useMemo(() => new MemoryStorage(), [token]);
  const headers = JSON.stringify({ Authorization: `Bearer ${token}`, 'X-Share-Purpose': DEFAULT_PURPOSE }, null, 2);
  const tabs = useMemo(() => EXAMPLES.map((e) => ({ query: e.query, variables: e.variables ?? null, headers })), [headers]);

  return (
    <div className="pg">
      <a className="skip-link" href="#pg-main">{t('skipToContent')}</a>
      <header className="pg-bar">
        <h1 className="pg-title">govshare · {t('appPlayground')}</h1>
        <nav aria-label={t('mainNav')} className="pg-links">
          <a href="/catalog">{t('pgOpenCatalog')}</a>
        </nav>
        {session && <SessionBadge session={session} />}
        <LangSwitch />
      </header>
      <main id="pg-main" className="pg-main" tabIndex={-1}>
        {!session ? (
          <div className="pg-signin">
            <p className="pg-intro">{t('pgIntro')}</p>
            <SignIn />
          </div>
        ) : (
          <>
            <p className="pg-note small">{t('pgIntro')} {t('pgPurposeNote')}</p>
            <div className="pg-graphiql">
              <GraphiQL
                key={token}
                fetcher={fetcher}
                storage={storage}
                defaultTabs={tabs}
                defaultHeaders={headers}
                shouldPersistHeaders={false}
                defaultEditorToolsVisibility="headers"
                forcedTheme="light"
              >
                <GraphiQL.Logo>govshare</GraphiQL.Logo>
              </GraphiQL>
            </div>
          </>
        )}
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><Playground /></StrictMode>);
