/** The gateway refused or failed the request: carries the contract code (CONTRACT §8). */
export class GatewayError extends Error {
  constructor(readonly code: string, message: string, readonly details: Record<string, unknown> = {}) { super(message); }

  /** What to tell the person at the terminal, with the next step where there is one. */
  describe(): string {
    const lines = [`${this.code}: ${this.message}`];
    const denied = this.details.denied as Array<{ coordinate: string; resource: string; provider: string; condition?: string | null }> | undefined;
    if (this.code === 'SHARE_DENIED' && denied?.length) {
      for (const d of denied) {
        lines.push(`  apply for access to resource ${d.resource} (provider ${d.provider}), field ${d.coordinate}${d.condition ? ` — condition: ${d.condition}` : ''}`);
      }
      lines.push('  (mutation applyForAccess(input: { resource, fields, purpose }) on the gateway; the provider reviews it)');
    } else if (this.code === 'PURPOSE_REQUIRED') {
      lines.push('  state the purpose of use with --purpose <text>, e.g. --purpose 低保核对');
    } else if (this.details.reason === 'SEALED_CLAIM_TOO_LONG') {
      lines.push('  shorten the values of that row: a sealed claim holds 510 bytes of JSON (send it with --plain to compare it in clear)');
    } else if (this.details.reason === 'CLAIM_KEY_NOT_CURRENT') {
      lines.push('  the provider rotated its claim key while this ran: run the same command again (it resumes and seals to the new key)');
    } else if (this.code === 'CLAIM_KEY_UNVERIFIED') {
      lines.push('  nothing was sealed to that key: check --gateway (the key must be signed by the gateway whose /.well-known/jwks.json is read)');
    } else if (this.code === 'UNAUTHENTICATED') {
      lines.push('  pass a valid department token with --token or GOVSHARE_TOKEN (npm run token -- --dept <code>)');
    }
    return lines.join('\n');
  }
}
