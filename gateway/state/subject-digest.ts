import { createHmac, createSecretKey } from 'node:crypto';

/**
 * A subject key (an ID number, a USCC, a licence or certificate number) as the audit's subject index and
 * its lookups compare it: trimmed, NFKC (full-width digits and letters are the ASCII ones) and upper-cased
 * (an ID number's check character `x` is `X`), as the providers' comparisons read keys.
 */
export function normaliseSubjectKey(key: string): string {
  // Printable ASCII is its own NFKC form: the common case skips the normalisation.
  return (/^[\x20-\x7e]*$/.test(key) ? key : key.normalize('NFKC')).trim().toUpperCase();
}

/**
 * HMAC-SHA-256 (hex) of a normalised subject key under a key derived from the audit key, used for this and
 * nothing else. Keyed for the reason the audit's other digests are: an ID number has so little entropy
 * that a plain hash would be reversed by trying them all. One HMAC per subject; the derived key is made once,
 * as a KeyObject (on Node 24 a Buffer key costs several µs more per HMAC).
 */
export function subjectDigester(auditKey: string): (subjectKey: string) => string {
  if (!auditKey) throw new Error('the subject digests need the audit key: there is no default');
  const key = createSecretKey(createHmac('sha256', auditKey).update('govshare subject digest').digest());
  return (subjectKey) => createHmac('sha256', key).update(normaliseSubjectKey(subjectKey)).digest('hex');
}
