/**
 * What a department declares in text and the audit records verbatim — a request's purpose and operator, an
 * application's purpose — is read later by people: a provider deciding on an application, an auditor
 * reading the log or its CSV export. Two kinds of character are refused in it:
 * - control characters (C0, DEL, C1) and the Unicode line separators, which forge lines in a log or a CSV;
 * - the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make text
 *   display in another order than it is stored ("Trojan Source"), and the invisible zero-width space, word
 *   joiner and BOM (U+200B, U+2060, U+FEFF), which make two texts that look the same differ.
 * Marks with a use in the scripts written in China are kept: ZWNJ/ZWJ (U+200C/D) and the directional marks
 * (U+200E/F, U+061C) appear in Uyghur (Arabic script) next to Chinese, and change no order by themselves.
 */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029]/u;
const DISGUISING = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF]/u;

/** Why `value` cannot be a declared text (`what` names it), or null when it can. */
export function declaredTextProblem(what: string, value: string): string | null {
  if (UNPRINTABLE.test(value)) return `the ${what} must be printable text: control characters (CR, LF, TAB, U+0000–U+001F, U+007F–U+009F) and line separators are refused`;
  return disguisedTextProblem(what, value);
}

/**
 * The second rule alone, for the free texts that may run over several lines — a data issue's description,
 * a provider's note on it, the reason of a rejection or a revocation — which the other party reads to decide.
 */
export function disguisedTextProblem(what: string, value: string): string | null {
  const found = DISGUISING.exec(value);
  if (found) {
    const code = `U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `the ${what} must read as it is stored: bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) and invisible zero-width characters (U+200B, U+2060, U+FEFF) are refused (found ${code})`;
  }
  return null;
}
