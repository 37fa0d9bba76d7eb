import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import {
  fetchDevTokenInfo, isExpired, requestDevToken, sessionFromToken, setSession, useSession,
  type DevTokenInfo, type Session,
} from './auth.ts';
import { explainError, gql } from './graphql.ts';
import { useI18n } from './i18n.ts';

/** An API error in words, with its code (and, for SHARE_DENIED, what to apply for). */
export function ErrorMessage({ error, applyLink }: { error: unknown; applyLink?: (resource: string) => string }) {
  const { t, lang } = useI18n();
  if (!error) return null;
  const { code, summary, detail, denied } = explainError(error, lang);
  return (
    <div className="error" role="alert">
      <p className="error-title"><strong>{t('errorTitle')}</strong> <span className="badge badge-error" title={t('errorCode')}>{code}</span></p>
      {summary && <p>{summary}</p>}
      <p className="error-detail">{detail}</p>
      {denied.length > 0 && (
        <div>
          <p>{t('deniedFields')}:</p>
          <ul>
            {denied.map((d) => (
              <li key={d.coordinate}>
                <code>{d.coordinate}</code>{' — '}
                {applyLink ? <a href={applyLink(d.resource)}>{t('applyAt', { resource: d.resource, provider: d.provider })}</a>
                  : t('applyAt', { resource: d.resource, provider: d.provider })}
                {d.condition ? ` (${d.condition})` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function LangSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <button type="button" className="lang-switch" aria-label={t('switchLangLabel')} lang={lang === 'zh' ? 'en' : 'zh-CN'}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
      {t('switchLang')}
    </button>
  );
}

export function formatTime(iso: string | null | undefined, lang: 'zh' | 'en'): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** Who is signed in, until when, and the way out. */
export function SessionBadge({ session }: { session: Session }) {
  const { t, lang } = useI18n();
  return (
    <div className="session">
      <span className="session-who">
        <span className="visually-hidden">{t('signedInAs')}: </span>
        <strong>{session.departmentName ?? session.department}</strong>
        {session.departmentName && <span className="muted"> ({session.department})</span>}
        {session.roles.length > 0 && <span className="muted"> · {session.roles.join(', ')}</span>}
      </span>
      {session.exp > 0 && (
        <span className={`session-exp ${isExpired(session) ? 'text-danger' : 'muted'}`}>
          {isExpired(session) ? t('tokenExpired') : `${t('expiresAt')} ${formatTime(new Date(session.exp * 1000).toISOString(), lang)}`}
        </span>
      )}
      <button type="button" className="button-secondary" onClick={() => setSession(null)}>{t('signOut')}</button>
    </div>
  );
}

/** Confirms a token against the gateway (`me`) and keeps it with the department's name. */
async function confirm(session: Session): Promise<Session> {
  const data = await gql<{ me: { code: string; name: string; roles: string[] } }>('query SignIn { me { code name roles } }', {}, { token: session.token });
  return { ...session, department: data.me.code, departmentName: data.me.name, roles: data.me.roles };
}

const DEFAULT_ROLES: Record<string, string[]> = { tax: ['consumer'], 'data-bureau': ['consumer', 'provider', 'admin'] };

/** Dev picker (when the gateway offers dev tokens) and a paste-a-token form. */
export function SignIn({ title }: { title?: string }) {
  const { t } = useI18n();
  const [info, setInfo] = useState<DevTokenInfo | null | undefined>(undefined);
  const [department, setDepartment] = useState('tax');
  const [roles, setRoles] = useState<string[]>(['consumer']);
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ids = { dept: useId(), token: useId(), hint: useId() };

  useEffect(() => {
    let live = true;
    void fetchDevTokenInfo().then((result) => {
      if (!live) return;
      setInfo(result);
      if (result && !result.departments.some((d) => d.code === 'tax') && result.departments[0]) setDepartment(result.departments[0].code);
    });
    return () => { live = false; };
  }, []);

  const chooseDepartment = (code: string) => {
    setDepartment(code);
    setRoles(DEFAULT_ROLES[code] ?? ['consumer', 'provider']);
  };

  const run = async (make: () => Promise<Session>) => {
    setBusy(true);
    setError(null);
    try {
      setSession(await confirm(await make()));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">{title ?? t('signInTitle')}</h2>
      <p>{t('signInIntro')}</p>
      {info && (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); void run(() => requestDevToken(department, roles)); }}>
          <h3>{t('devSignIn')}</h3>
          <p className="muted small">{t('devSignInNote')}</p>
          <div className="field">
            <label htmlFor={ids.dept}>{t('department')}</label>
            <select id={ids.dept} value={department} onChange={(e) => chooseDepartment(e.target.value)}>
              {info.departments.map((d) => <option key={d.code} value={d.code}>{d.name} ({d.code})</option>)}
            </select>
          </div>
          <fieldset className="field">
            <legend>{t('roles')}</legend>
            <div className="checks">
              {info.roles.map((role) => (
                <label key={role} className="check">
                  <input type="checkbox" checked={roles.includes(role)}
                    onChange={(e) => setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />
                  {t(`role_${role}` as 'role_consumer')}
                </label>
              ))}
            </div>
          </fieldset>
          <div><button type="submit" disabled={busy}>{t('signInButton')}</button></div>
        </form>
      )}
      <form className="stack" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          try { return sessionFromToken(pasted, 'pasted'); } catch { throw new Error(t('notAToken')); }
        });
      }}>
        <h3>{t('pasteToken')}</h3>
        <div className="field">
          <label htmlFor={ids.token}>{t('pasteTokenLabel')}</label>
          <textarea id={ids.token} rows={3} value={pasted} onChange={(e) => setPasted(e.target.value)} aria-describedby={ids.hint}
            spellCheck={false} autoComplete="off" className="mono" />
          <p id={ids.hint} className="muted small">{t('pasteTokenHint')}</p>
        </div>
        <div><button type="submit" disabled={busy || !pasted.trim()}>{t('useToken')}</button></div>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}

/** Runs a query when its inputs change; `reload` runs it again. */
export function useQuery<T>(run: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    runRef.current(abort.signal).then(
      (data) => { if (!abort.signal.aborted) setState({ data, loading: false }); },
      (error: unknown) => { if (!abort.signal.aborted) setState({ error, loading: false }); },
    );
    return () => abort.abort();
    // The caller's deps decide when to load again, plus `tick` for an explicit reload.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * A form's action: `run(missing, call)` shows `missing` (what the user left out) instead of calling, or
 * calls the API with the button disabled and keeps its error to show in words with its code.
 */
export function useAction() {
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (missing: string | null, call: () => Promise<void>) => {
    setProblem(null); setError(null);
    if (missing) { setProblem(missing); return; }
    setBusy(true);
    try { await call(); } catch (caught) { setError(caught); } finally { setBusy(false); }
  };
  return { problem, error, busy, run };
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted" role="status">{t('loading')}</p>;
}

/** Requires a session; otherwise shows the sign-in. */
export function SignedIn({ children }: { children: (session: Session) => ReactNode }) {
  const session = useSession();
  if (!session) return <SignIn />;
  return <>{children(session)}</>;
}
