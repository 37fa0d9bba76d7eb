import { readFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);

/** The directive definitions of CONTRACT §3, shipped as one SDL file. */
export const SHARE_DIRECTIVES_SDL = readFileSync(new URL('share-directives.graphql', here), 'utf8');
/** The Federation 2 `@link` + `@composeDirective` block that keeps the directives in the supergraph. */
export const SHARE_LINK_SDL = readFileSync(new URL('share-link.graphql', here), 'utf8');
export const SHARE_SPEC_URL = 'https://govshare.dev/share/v1.0';
/** The spec's identity (its URL without the version), as `@link` resolves imports by it. */
export const SHARE_SPEC_IDENTITY = 'https://govshare.dev/share';

/**
 * Completes a provider's SDL with the link block and the directive definitions, unless the
 * provider wrote them itself (it may need more federation imports than the default block has).
 */
export function withShareDirectives(sdl: string): string {
  const parts: string[] = [];
  if (!sdl.includes('https://govshare.dev/share/')) parts.push(SHARE_LINK_SDL);
  parts.push(sdl);
  if (!/directive\s+@share\b/.test(sdl)) parts.push(SHARE_DIRECTIVES_SDL);
  return parts.join('\n');
}
