/**
 * docker/haproxy.cfg read as sections of directives, and written again for this machine: the scale test
 * runs HAProxy with the compose file's settings (balance, health checks, timeouts, retries) and only the
 * addresses changed; tests/deploy/manifests.test.ts reads the same sections to check the file.
 */

/** One `global`, `defaults`, `frontend x`, `backend x`, `listen x` or `resolvers x` block. */
export interface HaproxySection {
  kind: string;
  name: string;
  /** Its directives, trimmed, comments removed, in order. */
  lines: string[];
}

export interface HaproxyServer { name: string; host: string; port: number; options: string[] }

const SECTION_KINDS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist', 'cache', 'program', 'http-errors', 'ring', 'mailers']);

export function parseHaproxyConfig(text: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    // HAProxy's comments start at an unquoted '#'; the file quotes nothing, so any '#' starts one.
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    if (!/^\s/.test(line)) {
      const [kind = '', name = ''] = line.trim().split(/\s+/);
      if (!SECTION_KINDS.has(kind)) throw new Error(`haproxy.cfg line ${index + 1}: "${kind}" is not a section keyword`);
      sections.push({ kind, name, lines: [] });
      continue;
    }
    const current = sections.at(-1);
    if (!current) throw new Error(`haproxy.cfg line ${index + 1}: a directive before any section`);
    current.lines.push(line.trim().replace(/\s+/g, ' '));
  }
  return sections;
}

export function renderHaproxyConfig(sections: readonly HaproxySection[]): string {
  return `${sections.map((s) => [s.name ? `${s.kind} ${s.name}` : s.kind, ...s.lines.map((l) => `    ${l}`)].join('\n')).join('\n\n')}\n`;
}

export function section(sections: readonly HaproxySection[], kind: string, name?: string): HaproxySection | undefined {
  return sections.find((s) => s.kind === kind && (name === undefined || s.name === name));
}

/** The directives of `section` that start with `keyword` (`option httpchk`, `server`, …), keyword removed. */
export function directives(of: HaproxySection | undefined, keyword: string): string[][] {
  const words = keyword.split(' ');
  return (of?.lines ?? []).map((l) => l.split(' ')).filter((w) => words.every((k, i) => w[i] === k)).map((w) => w.slice(words.length));
}

export function servers(of: HaproxySection | undefined): HaproxyServer[] {
  return directives(of, 'server').map(([name = '', address = '', ...options]) => {
    const colon = address.lastIndexOf(':');
    return { name, host: address.slice(0, colon), port: Number(address.slice(colon + 1)), options };
  });
}

/** The path a backend's health check asks, from `option httpchk GET /x` or `http-check send meth GET uri /x`. */
export function healthCheckPath(of: HaproxySection | undefined): string | undefined {
  const option = directives(of, 'option httpchk')[0];
  if (option?.length) return option.length >= 2 ? option[1] : option[0];
  const send = directives(of, 'http-check send')[0];
  const uri = send?.indexOf('uri') ?? -1;
  return uri >= 0 ? send![uri + 1] : undefined;
}

/** `inter 1s` of a backend's `default-server` (or its first server) in ms; HAProxy's default is 2 s. */
export function checkIntervalMs(of: HaproxySection | undefined): number {
  const words = [...directives(of, 'default-server').flat(), ...(servers(of)[0]?.options ?? [])];
  const inter = words.indexOf('inter');
  if (inter < 0) return 2000;
  const match = /^(\d+)(ms|s)?$/.exec(words[inter + 1] ?? '');
  if (!match) throw new Error(`haproxy.cfg: "inter ${words[inter + 1]}" is not a duration`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

export interface LocalAddresses {
  /** Where the frontend listens here, instead of its `bind`. */
  frontend: { host: string; port: number };
  /** The stats listener's address (the scale test reads server states from it). */
  stats: { host: string; port: number };
  /** The replicas every backend's servers become, in order. */
  gateways: ReadonlyArray<{ name: string; host: string; port: number }>;
}

/**
 * The same configuration on this machine: binds and servers at the given addresses, Docker's resolvers
 * (there is no 127.0.0.11 here) and the request log (one line per request under load) left out.
 * Everything else is kept as written, so the test measures the compose file's balancing and checks.
 */
export function localHaproxyConfig(text: string, addresses: LocalAddresses): string {
  const sections = parseHaproxyConfig(text).filter((s) => s.kind !== 'resolvers');
  const dropResolvers = (line: string) => line.replace(/ resolvers \S+/, '').replace(/ init-addr \S+/, '');
  for (const s of sections) {
    if (s.kind === 'global' || s.kind === 'defaults') s.lines = s.lines.filter((l) => !/^log /.test(l) && l !== 'option httplog');
    if (s.kind === 'frontend') s.lines = s.lines.map((l) => (l.startsWith('bind ') ? `bind ${addresses.frontend.host}:${addresses.frontend.port}` : l));
    if (s.kind === 'listen') s.lines = s.lines.map((l) => (l.startsWith('bind ') ? `bind ${addresses.stats.host}:${addresses.stats.port}` : l));
    if (s.kind === 'backend') {
      const template = servers(s)[0];
      if (!template) continue;
      const kept = s.lines.filter((l) => !l.startsWith('server ')).map((l) => (l.startsWith('default-server ') ? dropResolvers(l) : l));
      s.lines = [...kept, ...addresses.gateways.map((g) => `server ${g.name} ${g.host}:${g.port} ${template.options.join(' ')}`.trimEnd())];
    }
  }
  return renderHaproxyConfig(sections);
}
