import { describe, expect, it } from 'vitest';
import { parse, validate, type OperationDefinitionNode } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { ConfigError, loadConfig, type GatewayConfig } from '../gateway/config.ts';
import { composeSupergraph, type CompositionResult } from '../gateway/composition/compose-supergraph.ts';
import { analyseOperation } from '../gateway/pipeline/analyse.ts';
import { authorise } from '../gateway/pipeline/authorise.ts';
import { aliasCollisionRule } from '../gateway/pipeline/validation-rules.ts';
import { compositionModeOf } from '../gateway/plugins/composition-mode.ts';
import { resolveOptions } from '../gateway/plugins/options.ts';
import { withShareDirectives } from '../schema/share-sdl.ts';

// GOVSHARE_CONFORMANCE (README "Conformance"): the federation audit's subgraphs carry no @share. The full
// audit is `npm run conformance`; this file checks the mode's edges in milliseconds.

const FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';
// As the audit writes them: no @share, no @resource, a @shareable field resolved by two subgraphs.
const USERS = `${FED2}
  type Query { me: User users: [User!]! @shareable }
  type User @key(fields: "id") { id: ID! name: String }`;
const NICKNAMES = `${FED2}
  type Query { users: [User!]! @shareable }
  type User @key(fields: "id") { id: ID! nickname: String }`;

/** What the gateway composes for `config`: its own subgraphs (the platform API, or none) and the providers'. */
function compose(config: Pick<GatewayConfig, 'conformance'>, ...providers: Array<[string, string]>): CompositionResult {
  const { mode, local } = compositionModeOf(config);
  return composeSupergraph([...local, ...providers.map(([name, sdl]) => ({ name, sdl, url: `http://${name}.test/graphql` }))], mode);
}

const codes = (result: CompositionResult) => (result.ok ? [] : result.errors.map((e) => `${e.code} ${e.coordinate ?? ''}`.trim()));

describe('conformance mode is refused where real data could be', () => {
  const conformance = { GOVSHARE_CONFORMANCE: '1' };

  it('starts with generated keys only, outside production', () => {
    expect(loadConfig(conformance).conformance).toBe(true);
    expect(loadConfig({}).conformance).toBeUndefined();
    // NODE_ENV=production alone (no conformance mode) is an ordinary start.
    expect(() => loadConfig({ NODE_ENV: 'production' })).not.toThrow();
  });

  it('is refused with NODE_ENV=production, naming the reason', () => {
    expect(() => loadConfig({ ...conformance, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...conformance, NODE_ENV: 'production' })).toThrow(/GOVSHARE_CONFORMANCE: refused with NODE_ENV=production/);
  });

  it.each([
    ['GOVSHARE_JWT_SECRET', 'a-configured-secret-of-enough-length'],
    ['GOVSHARE_JWKS_URL', 'https://idp.example/jwks.json'],
    ['GOVSHARE_JWT_PUBLIC_KEY', '/etc/govshare/jwt.pub'],
    ['GOVSHARE_GATEWAY_KEY', '/etc/govshare/gateway.pem'],
    ['GOVSHARE_GATEWAY_PUBLISHED_KEYS', '/etc/govshare/published.jwks'],
    ['GOVSHARE_AUDIT_KEY', 'a-configured-audit-key'],
  ])('is refused with %s configured, naming it and not its value', (name, value) => {
    let error: unknown;
    try { loadConfig({ ...conformance, [name]: value }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`refused with production keys configured (${name})`);
    expect((error as Error).message).not.toContain(value);
  });

  it('is refused for a config built by hand with a configured key, before any plugin starts', () => {
    const generated = loadConfig({});
    const config: GatewayConfig = { ...generated, conformance: true, keys: { ...generated.keys, auditKey: 'configured' } };
    expect(() => resolveOptions({ config })).toThrow(/GOVSHARE_AUDIT_KEY/);
    expect(() => resolveOptions({ config: { ...config, keys: generated.keys } })).not.toThrow();
  });
});

describe('fields without @share', () => {
  it('are refused in normal mode (CONTRACT §3 rule 1), and so is a second resolver of a field', () => {
    const result = compose({}, ['users', USERS], ['nicknames', NICKNAMES]);
    expect(codes(result)).toContain('UNCLASSIFIED_FIELD User.name');
    expect(codes(result)).toContain('UNCLASSIFIED_FIELD Query.users');
  });

  it('compose in conformance mode, @shareable as plain federation allows, and are served UNCONDITIONAL', () => {
    const result = compose({ conformance: true }, ['users', USERS], ['nicknames', NICKNAMES]);
    expect(codes(result)).toEqual([]);
    if (!result.ok) return;
    const { model, supergraphSdl } = result.supergraph;
    expect(model.unclassified).toBe('UNCONDITIONAL');
    const schema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
    const document = parse('{ users { id name nickname } me { id } }');
    const analysis = analyseOperation(schema, document, document.definitions[0] as OperationDefinitionNode, model);
    expect([...analysis.coordinates].sort()).toEqual(['Query.me', 'Query.users', 'User.id', 'User.name', 'User.nickname']);
    expect(authorise(analysis, model, 'tax', null, [], new Date())).toMatchObject({ kind: 'allowed', conditional: false });
  });

  it('are refused at request time by a model of normal mode, should one ever meet such a field', () => {
    const conformance = compose({ conformance: true }, ['users', USERS]);
    if (!conformance.ok) throw new Error('conformance composition failed');
    const schema = Supergraph.build(conformance.supergraph.supergraphSdl).apiSchema().toGraphQLJSSchema();
    const document = parse('{ me { name } }');
    const { unclassified: _u, ...strictModel } = conformance.supergraph.model;
    const decision = authorise(analyseOperation(schema, document, document.definitions[0] as OperationDefinitionNode, strictModel), strictModel, 'tax', null, [], new Date());
    expect(decision.kind).toBe('denied');
  });

  it('classified fields keep their rules in conformance mode: a CONDITIONAL field still needs a grant', () => {
    const classified = withShareDirectives(`
      type Query { person(id: ID!): Person @share(type: UNCONDITIONAL) }
      type Person @key(fields: "id") @resource(code: "POP-T", name: "t", category: BASE, provider: "public-security", updateCycle: "实时") {
        id: ID! @share(type: UNCONDITIONAL)
        mobile: String @share(type: CONDITIONAL, condition: "c")
        note: String
      }`);
    const result = compose({ conformance: true }, ['people', classified]);
    if (!result.ok) throw new Error(codes(result).join(', '));
    const schema = Supergraph.build(result.supergraph.supergraphSdl).apiSchema().toGraphQLJSSchema();
    const document = parse('{ person(id: "1") { note mobile } }');
    const decision = authorise(analyseOperation(schema, document, document.definitions[0] as OperationDefinitionNode, result.supergraph.model), result.supergraph.model, 'tax', null, [], new Date());
    expect(decision).toMatchObject({ kind: 'denied', denied: [{ coordinate: 'Person.mobile' }] });
  });
});

describe('a provider subgraph colliding with the platform API\'s root fields (Query.me)', () => {
  const classifiedMe = withShareDirectives(`
    type Query { me: Citizen @share(type: UNCONDITIONAL) }
    type Citizen @key(fields: "id") @resource(code: "CIT-T", name: "t", category: BASE, provider: "civil-affairs", updateCycle: "实时") {
      id: ID! @share(type: UNCONDITIONAL)
    }`);

  it('normal mode: the platform API is composed in and the provider\'s Query.me is refused (DUPLICATE_OWNER), classified or not', () => {
    expect(compositionModeOf({}).local.map((s) => s.name)).toEqual(['platform']);
    const classified = compose({}, ['citizens', classifiedMe]);
    expect(classified.ok).toBe(false);
    if (!classified.ok) {
      const duplicate = classified.errors.find((e) => e.code === 'DUPLICATE_OWNER' && e.coordinate === 'Query.me');
      expect(duplicate?.message).toContain('"platform"');
      expect(duplicate?.message).toContain('"citizens"');
    }
    // Unclassified (the audit's own Query.me: User), it is refused before the collision is even looked at.
    expect(codes(compose({}, ['users', USERS]))).toContain('UNCLASSIFIED_FIELD Query.me');
  });

  it('conformance mode: the platform API is left out, so the provider\'s Query.me is the one served', () => {
    expect(compositionModeOf({ conformance: true }).local).toEqual([]);
    for (const [name, sdl] of [['users', USERS], ['citizens', classifiedMe]] as const) {
      const result = compose({ conformance: true }, [name, sdl]);
      expect(codes(result)).toEqual([]);
      if (!result.ok) continue;
      const schema = Supergraph.build(result.supergraph.supergraphSdl).apiSchema().toGraphQLJSSchema();
      expect(String(schema.getQueryType()?.getFields().me?.type)).toBe(name === 'users' ? 'User' : 'Citizen');
      // Nothing of the platform API remains.
      expect(schema.getQueryType()?.getFields().auditLog).toBeUndefined();
    }
  });

  it('a Federation 1 subgraph (no @override directive at all) is read, not rejected as invalid', () => {
    const fed1 = 'type Query { me: User } type User @key(fields: "id") { id: ID! }';
    expect(codes(compose({ conformance: true }, ['fed1', fed1]))).toEqual([]);
    expect(codes(compose({}, ['fed1', fed1]))).toContain('UNCLASSIFIED_FIELD Query.me');
  });
});

describe('CONTRACT §3 rule 6 (an alias may not take another field\'s name) in conformance mode', () => {
  const PEOPLE = withShareDirectives(`
    type Query { person(id: ID!): Person @share(type: UNCONDITIONAL) users: [User!]! }
    type Person @key(fields: "id") @resource(code: "POP-T", name: "t", category: BASE, provider: "public-security", updateCycle: "实时") {
      id: ID! @share(type: UNCONDITIONAL)
      name: String @share(type: UNCONDITIONAL)
      idNumber: String @share(type: UNCONDITIONAL) @mask(rule: ID_NUMBER)
    }
    type User { id: ID! name: String nickname: String }`);
  const refusals = (config: Pick<GatewayConfig, 'conformance'>, query: string) => {
    const result = compose(config, ['people', PEOPLE]);
    if (!result.ok) throw new Error(codes(result).join(', '));
    const schema = Supergraph.build(result.supergraph.supergraphSdl).apiSchema().toGraphQLJSSchema();
    return validate(schema, parse(query), [aliasCollisionRule(() => result.supergraph.model)]).map((e) => e.message);
  };

  it('stands on a type with no classified field, as plain federation allows (the audit\'s aliases)', () => {
    expect(refusals({ conformance: true }, '{ users { name: nickname nickname: name } }')).toEqual([]);
  });

  it('still refuses on a type with a classified field: a masked value under another field\'s name', () => {
    expect(refusals({ conformance: true }, '{ person(id: "1") { name: idNumber } }')).toEqual([expect.stringContaining('CONTRACT §3 rule 6')]);
    // Query holds person (classified): a root alias taking another root field's name is refused as well.
    expect(refusals({ conformance: true }, '{ person: users { id } }')).toEqual([expect.stringContaining('CONTRACT §3 rule 6')]);
    expect(refusals({ conformance: true }, '{ users { __typename: name } }')).toEqual([expect.stringContaining('reserved')]);
  });
});
