import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A tiny History-API router under /catalog: the gateway serves index.html for every /catalog/* path. */
export const BASE = '/catalog';
const listeners = new Set<() => void>();
window.addEventListener('popstate', () => { for (const l of listeners) l(); });

const snapshot = () => location.pathname + location.search;

export function navigate(to: string): void {
  history.pushState(null, '', to);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const current = useSyncExternalStore((cb) => { listeners.add(cb); return () => listeners.delete(cb); }, snapshot);
  const url = new URL(current, location.origin);
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) || '/' : url.pathname;
  return { path: path.replace(/\/+$/, '') || '/', query: url.searchParams };
}

export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...props} href={to} onClick={onClick} />;
}
