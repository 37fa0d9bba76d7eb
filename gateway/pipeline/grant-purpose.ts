/**
 * CONTRACT §6 v1.1: a grant covers a request only for its own purpose — the stated purpose equals the
 * grant's or begins with it (`税务稽查` covers `税务稽查：案件 2026-118`).
 *
 * "Begins with" is applied literally, with no separator required after the granted text. A separator
 * rule would not make the binding stronger: the purpose is the department's own declaration, recorded
 * verbatim in the audit log, and `税务稽查：任何事` passes a separator rule as easily as `税务稽查任何事`
 * passes the literal one. What binds is that the granted text must be there, unchanged, at the start of
 * what the department declares and signs off in the audit record. Chinese writes no spaces between
 * words, so a word-boundary rule would also refuse ordinary extensions (`低保审核复查`).
 *
 * Both sides are compared in Unicode NFC with surrounding white space (ASCII and ideographic)
 * removed: text typed on different systems may spell the same characters in composed or decomposed
 * form, and that must neither refuse a matching purpose nor let a different one pass. Compatibility
 * forms (full-width Latin letters, ligatures) are different text and are not folded: NFKC would equate
 * strings a reader sees as different.
 */
export function normalisePurpose(purpose: string): string {
  return purpose.normalize('NFC').trim();
}

export function purposeCovers(granted: string, stated: string): boolean {
  const grant = normalisePurpose(granted);
  return grant.length > 0 && normalisePurpose(stated).startsWith(grant);
}
