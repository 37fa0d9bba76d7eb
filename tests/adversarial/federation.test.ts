import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { grant } from '../support/grants.ts';
import { personById } from '../support/fixtures.ts';
import { ATTACKER_LINK, startRecordingSubgraph, taxResource, type RecordingServer } from '../support/attackers/recording-subgraph.ts';
import { leaked } from '../support/attackers/raw-values.ts';

/**
 * A hostile provider (税务局, holding the provider role for its own resource) publishes a subgraph built
 * to make the query planner hand it another provider's CONDITIONAL or masked values, or to stand in
 * for another provider's fields. Every such subgraph is refused at publishing (CONTRACT §3 rules 4–5
 * and 一数一源), before it is served, and nothing of another provider's data reaches it.
 */
const ZHANG = '43010219850312123X';
const USCC = '91430100MA4L00011K';
const zhang = personById(ZHANG);

const echo = (field: string) => ({
  Person: { __resolveReference: (ref: Record<string, unknown>) => ref, [field]: (p: Record<string, unknown>) => `echo:${JSON.stringify(p)}` },
  Enterprise: { __resolveReference: (ref: Record<string, unknown>) => ref, [field]: (p: Record<string, unknown>) => `echo:${JSON.stringify(p)}` },
});

interface Attack {
  name: string;
  sdl: string;
  code: string;
  /** The query that would carry the stolen value to the attacker (and back to any consumer). */
  probe: string;
}

const PERSON_PROBE = `{ person(idNumber: "${ZHANG}") { stolen } }`;
const ENTERPRISE_PROBE = `{ enterprise(uscc: "${USCC}") { stolen } }`;

const ATTACKS: Attack[] = [
  {
    name: 'Person @key(fields: "mobile") (a CONDITIONAL field as a join key)', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "mobile") ${taxResource()} { mobile: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'Person @key(fields: "householdAddress")', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "householdAddress") ${taxResource()} { householdAddress: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'Enterprise @key(fields: "contactPhone")', code: 'KEY_NOT_UNCONDITIONAL', probe: ENTERPRISE_PROBE,
    sdl: `${ATTACKER_LINK}
      type Enterprise @key(fields: "contactPhone") ${taxResource()} { contactPhone: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'Person @key(fields: "name") (masked, and not a key its owner declares)', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "name") ${taxResource()} { name: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'a second key beside the identity key (idNumber mobile)', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber mobile") ${taxResource()} { idNumber: ID! mobile: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'the key directive imported under another name', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK.replace('"@key", ', '{ name: "@key", as: "@joinOn" }, ')}
      type Person @joinOn(fields: "mobile") ${taxResource()} { mobile: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'the key directive by its namespaced name (@federation__key)', code: 'KEY_NOT_UNCONDITIONAL', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK.replace('"@key", ', '')}
      type Person @federation__key(fields: "mobile") ${taxResource()} { mobile: String stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@requires(fields: "name") (a masked value)', code: 'REQUIRES_PROTECTED_FIELD', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! name: String @external stolen: String @requires(fields: "name") @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@requires(fields: "mobile") (a CONDITIONAL value)', code: 'REQUIRES_PROTECTED_FIELD', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! mobile: String @external stolen: String @requires(fields: "mobile") @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@requires on a nested selection (enterprises { contactPhone })', code: 'REQUIRES_PROTECTED_FIELD', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Enterprise @key(fields: "uscc") ${taxResource()} { uscc: ID! contactPhone: String @external }
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! enterprises: [Enterprise!]! @external
        stolen: String @requires(fields: "enterprises { contactPhone }") @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@requires through the namespaced name (@federation__requires)', code: 'REQUIRES_PROTECTED_FIELD', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK.replace('"@requires",', '')}
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! name: String @external stolen: String @federation__requires(fields: "name") @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@provides(fields: "mobile") (standing in for a CONDITIONAL field)', code: 'REQUIRES_PROTECTED_FIELD',
    probe: '{ taxPerson { mobile } }',
    sdl: `${ATTACKER_LINK}
      type Query { taxPerson: Person @provides(fields: "mobile") @share(type: UNCONDITIONAL) }
      type Person @key(fields: "idNumber") ${taxResource()} { idNumber: ID! mobile: String @external stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@fromContext (another field\'s value as an argument)', code: 'REQUIRES_PROTECTED_FIELD', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") @context(name: "p") ${taxResource()} {
        idNumber: ID! name: String @external
        stolen(n: String @fromContext(field: "$p { name }")): String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@override(from: "population") on Person.mobile (taking the field over)', code: 'DUPLICATE_OWNER',
    probe: `{ person(idNumber: "${ZHANG}") { mobile } }`,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! mobile: String @override(from: "population") @share(type: UNCONDITIONAL) stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'a @shareable duplicate of Person.name, classified UNCONDITIONAL without a mask', code: 'DUPLICATE_OWNER',
    probe: `{ person(idNumber: "${ZHANG}") { name } }`,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource()} { idNumber: ID! name: String @shareable @share(type: UNCONDITIONAL) stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'the identity key classified again by the attacker (to become its owner)', code: 'DUPLICATE_OWNER', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource()} {
        idNumber: ID! @share(type: UNCONDITIONAL) @mask(rule: ID_NUMBER) stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'another subgraph\'s key field repeated outside a key (a second source of Property.certificateNumber)', code: 'DUPLICATE_OWNER',
    probe: '{ taxProperty { certificateNumber } }',
    sdl: `${ATTACKER_LINK}
      type Query { taxProperty: Property @share(type: UNCONDITIONAL) }
      type Property @key(fields: "taxRef") ${taxResource()} { taxRef: ID! @share(type: UNCONDITIONAL) certificateNumber: ID stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'Property @key(fields: "certificateNumber") by a subgraph that does not own it', code: 'KEY_NOT_UNCONDITIONAL',
    probe: `{ person(idNumber: "${ZHANG}") { properties { stolen } } }`,
    sdl: `${ATTACKER_LINK}
      type Property @key(fields: "certificateNumber") ${taxResource()} { certificateNumber: ID! stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'a type named like a platform type (Grant, made an entity)', code: 'DUPLICATE_OWNER', probe: '{ me { grants { stolen } } }',
    sdl: `${ATTACKER_LINK}
      type Grant @key(fields: "id") ${taxResource()} { id: ID! stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: 'a value type named like a platform type (AuditRecord)', code: 'DUPLICATE_OWNER', probe: '{ taxAudit { id } }',
    sdl: `${ATTACKER_LINK}
      type Query { taxAudit: AuditRecord @share(type: UNCONDITIONAL) }
      type AuditRecord ${taxResource()} { id: ID! @shareable @share(type: UNCONDITIONAL) stolen: String @share(type: UNCONDITIONAL) }`,
  },
  {
    name: '@interfaceObject', code: 'COMPOSITION_ERROR', probe: PERSON_PROBE,
    sdl: `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") @interfaceObject ${taxResource()} { idNumber: ID! stolen: String @share(type: UNCONDITIONAL) }`,
  },
];

describe.each(STATE_KINDS)('hostile provider subgraphs (%s state)', (stateKind) => {
  let stack: Stack;
  const servers: RecordingServer[] = [];
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, transport: 'inject' });
    // Grants the probe could otherwise be refused for: a leak must not hide behind a SHARE_DENIED.
    await grant(stack, 'tax', ['Person.mobile', 'Person.properties', 'Enterprise.contactPhone'], { purpose: '税务稽查' });
  });
  afterAll(async () => { for (const s of servers) await s.close(); await stack?.close(); });

  const publish = async (name: string, url: string) => (await stack.query(
    'mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ok errors { code message coordinate } } }',
    { n: name, u: url }, await as('tax', { roles: ['provider'] }))).body;

  it.each(ATTACKS)('refuses $name, and nothing reaches the attacker', async ({ sdl, code, probe }) => {
    const attacker = await startRecordingSubgraph(sdl, echo('stolen'));
    servers.push(attacker);
    const before = stack.gateway.source.supergraph!.version;
    const published = await publish('tax-attack', attacker.url);
    expect(published.errors).toBeUndefined();
    expect(published.data.publishSubgraph.ok).toBe(false);
    expect(published.data.publishSubgraph.errors.map((e: { code: string }) => e.code)).toContain(code);
    expect(stack.gateway.source.supergraph!.version).toBe(before);

    const answer = await stack.query(probe, {}, await as('tax', { purpose: '税务稽查' }));
    const everything = JSON.stringify(answer.body) + attacker.received.map((r) => r.body).join('\n');
    expect(leaked(everything)).toEqual([]);
    // The only call the attacker got is the gateway asking for its SDL.
    expect(attacker.received.every((r) => r.body.includes('_service'))).toBe(true);
  });

  it('still accepts a provider that re-uses the entity\'s identity key, and sends it nothing but that key', async () => {
    const sdl = `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource('TAX-LEVEL')} { idNumber: ID! taxLevel: String @share(type: UNCONDITIONAL) }`;
    const provider = await startRecordingSubgraph(sdl, { Person: { __resolveReference: (ref: { idNumber: string }) => ({ ...ref, taxLevel: 'A' }) } });
    servers.push(provider);
    const published = await publish('tax-level', provider.url);
    expect(published.data.publishSubgraph).toMatchObject({ ok: true, errors: [] });
    try {
      const { body } = await stack.query(`{ person(idNumber: "${ZHANG}") { name birthDate taxLevel } }`, {}, await as('housing'));
      expect(body.data.person).toEqual({ name: '张*', birthDate: zhang.birthDate, taxLevel: 'A' });
      const entities = provider.received.filter((r) => r.body.includes('_entities'));
      expect(entities.length).toBeGreaterThan(0);
      for (const call of entities) {
        const { variables } = JSON.parse(call.body);
        expect(variables.representations).toEqual([{ __typename: 'Person', idNumber: ZHANG }]);
        // The gateway vouches only for what the operation reads: no CONDITIONAL key rides along.
        expect(call.claims?.fld ?? []).toEqual([]);
      }
      expect(leaked(provider.received.map((r) => r.body).join('\n'))).toEqual([]);
    } finally {
      await stack.query('mutation { unpublishSubgraph(name: "tax-level") { ok } }', {}, await as('tax', { roles: ['provider'] }));
    }
  });

  it('vouches to a subgraph only for the CONDITIONAL fields the operation reads', async () => {
    const sdl = `${ATTACKER_LINK}
      type Person @key(fields: "idNumber") ${taxResource('TAX-LEVEL')} { idNumber: ID! taxLevel: String @share(type: UNCONDITIONAL) }`;
    const provider = await startRecordingSubgraph(sdl, { Person: { __resolveReference: (ref: { idNumber: string }) => ({ ...ref, taxLevel: 'A' }) } });
    servers.push(provider);
    expect((await publish('tax-level', provider.url)).data.publishSubgraph.ok).toBe(true);
    try {
      const { body } = await stack.query(`{ person(idNumber: "${ZHANG}") { mobile taxLevel } }`, {}, await as('tax', { purpose: '税务稽查' }));
      expect(body.data.person).toEqual({ mobile: '138****8000', taxLevel: 'A' });
      const call = provider.received.find((r) => r.body.includes('_entities'))!;
      // Property.certificateNumber (a CONDITIONAL key of housing) was vouched for on every call before.
      expect(call.claims?.fld).toEqual(['Person.mobile']);
    } finally {
      await stack.query('mutation { unpublishSubgraph(name: "tax-level") { ok } }', {}, await as('tax', { roles: ['provider'] }));
    }
  });
});
