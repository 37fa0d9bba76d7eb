import { useId, useState, type FormEvent } from 'react';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { sealClaims, verifyClaimKey, type SignedClaimKey } from '../../../../../protocol/sealed-claims/index.ts';
import { useI18n } from '../../lib/i18n.ts';
import { gql } from '../../lib/graphql.ts';
import { ErrorMessage, useAction } from '../../lib/ui.tsx';
import type { Resource } from '../api.ts';

interface Target { field: string; claimFields: string[]; flags: string[] }

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
type TypeRef = { kind: string; name: string | null; ofType?: TypeRef | null };
const named = (t: TypeRef | null | undefined): string | null => (t ? t.name ?? named(t.ofType) : null);

/** The comparison's claim fields and result flags, read from the schema the caller sees (no list to keep by hand). */
async function targetOf(resource: Resource): Promise<Target> {
  const coordinate = resource.fields.find((f) => f.compare && f.coordinate.startsWith('Query.'))!.coordinate;
  const field = coordinate.slice('Query.'.length);
  const root = await gql<{ __type: { fields: Array<{ name: string; type: TypeRef; args: Array<{ name: string; type: TypeRef }> }> } }>(
    `{ __type(name: "Query") { fields { name type { ${TYPE_REF} } args { name type { ${TYPE_REF} } } } } }`);
  const definition = root.__type.fields.find((f) => f.name === field)!;
  const claimType = named(definition.args.find((a) => a.name === 'claims')?.type);
  const resultType = named(definition.type);
  const types = await gql<{ claim: { inputFields: Array<{ name: string }> }; result: { fields: Array<{ name: string }> } }>(
    'query T($claim: String!, $result: String!) { claim: __type(name: $claim) { inputFields { name } } result: __type(name: $result) { fields { name } } }',
    { claim: claimType, result: resultType });
  return {
    field,
    claimFields: types.claim.inputFields.map((f) => f.name),
    flags: types.result.fields.map((f) => f.name).filter((n) => n !== 'index' && n !== 'sealed'),
  };
}

/** Lines of `a,b,c` (values without commas, as a form takes them); empty cells are left out of the claim. */
function parseClaims(text: string, fields: readonly string[]): Array<Record<string, string>> | string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  if (!header.includes(fields[0]!) || header.some((h) => !fields.includes(h))) return fields.join(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i]!, v.trim()] as const).filter(([name, v]) => name && v !== '')));
}

/**
 * The catalog's comparison form, sealed as `npm run compare` seals: the claim key is fetched and its
 * gateway signature verified against `/.well-known/jwks.json`, the claims sealed here, the answer opened here.
 */
export function SealedCompareForm({ resource }: { resource: Resource }) {
  const { t } = useI18n();
  const ids = { claims: useId(), purpose: useId() };
  const [claimsText, setClaimsText] = useState('');
  const [purpose, setPurpose] = useState('');
  const [target, setTarget] = useState<Target | null>(null);
  const [answer, setAnswer] = useState<{ kid: string; rows: Array<Record<string, unknown>> } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { run, busy, error } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAnswer(null);
    setProblem(null);
    void run(null, async () => {
      const comparison = target ?? await targetOf(resource);
      setTarget(comparison);
      const claims = parseClaims(claimsText, comparison.claimFields);
      if (typeof claims === 'string') { setProblem(`${t('sealedBadHeader')}${claims}`); return; }
      const found = await gql<{ me: { code: string }; resource: { claimKey: SignedClaimKey | null } | null }>(
        'query ClaimKey($code: String!) { me { code } resource(code: $code) { claimKey { kid key suite signature } } }', { code: resource.code });
      const key = found.resource?.claimKey;
      if (!key) { setProblem(t('sealedNoKey')); return; }
      const jwks = await (await fetch('/.well-known/jwks.json')).json() as JSONWebKeySet;
      await verifyClaimKey(key, resource.code, createLocalJWKSet(jwks));
      const stated = purpose.trim();
      const batch = await sealClaims(key, { requestId: crypto.randomUUID(), consumer: found.me.code, resource: resource.code, purpose: stated }, claims);
      const data = await gql<Record<string, Array<{ sealed: string }>>>(
        `query CompareBatch($sealedClaims: [String!]!, $sealing: ClaimSealing!) { ${comparison.field}(sealedClaims: $sealedClaims, sealing: $sealing) { index sealed } }`,
        { sealedClaims: batch.sealedClaims, sealing: batch.sealing }, { purpose: stated });
      setAnswer({ kid: key.kid, rows: await batch.openResults(data[comparison.field]!.map((r) => r.sealed)) });
    });
  };

  const flag = (value: unknown) => (value === null || value === undefined ? '—' : String(value));
  return (
    <section className="panel" aria-labelledby="sealed-compare-title">
      <h2 id="sealed-compare-title">{t('sealedTitle')}</h2>
      <p className="muted">{t('sealedIntro')}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.claims}>{t('sealedClaims')}</label>
          <textarea id={ids.claims} rows={5} value={claimsText} onChange={(e) => setClaimsText(e.target.value)} spellCheck={false} />
          {target && <p className="muted small">{t('sealedClaimsHint')}<code>{target.claimFields.join(',')}</code></p>}
        </div>
        <div className="field">
          <label htmlFor={ids.purpose}>{t('sealedPurpose')}</label>
          <input id={ids.purpose} value={purpose} maxLength={200} onChange={(e) => setPurpose(e.target.value)} />
        </div>
        {problem && <p className="error" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{t('sealedSubmit')}</button>
      </form>
      <ErrorMessage error={error} />
      {answer && target && (
        <div className="table-wrap" role="status">
          <p className="muted small">{t('sealedSealedTo')} <code>{answer.kid}</code></p>
          <table>
            <thead><tr><th scope="col">{t('sealedRow')}</th>{target.flags.map((f) => <th key={f} scope="col">{f}</th>)}</tr></thead>
            <tbody>
              {answer.rows.map((r, i) => (
                <tr key={i}><td>{i + 1}</td>{target.flags.map((f) => <td key={f} data-label={f}>{flag(r[f])}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
