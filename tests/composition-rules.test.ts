import { describe, expect, it } from 'vitest';
import { printSchema, buildASTSchema, parse } from 'graphql';
import { SHARE_LINK_SDL, withShareDirectives } from '../schema/share-sdl.ts';
import { analyseSubgraphs } from '../schema/policy-model.ts';
import { composeSupergraph } from '../gateway/composition/compose-supergraph.ts';

const PERSONS = withShareDirectives(`
  type Query { person(idNumber: ID!): Person @share(type: UNCONDITIONAL) }
  type Person @key(fields: "idNumber")
    @resource(code: "POP", name: "人口", category: BASE, provider: "public-security", updateCycle: "实时") {
    idNumber: ID! @share(type: UNCONDITIONAL) @mask(rule: ID_NUMBER)
    name: String @share(type: UNCONDITIONAL) @mask(rule: NAME)
    mobile: String @share(type: CONDITIONAL, condition: "联系服务对象") @mask(rule: MOBILE)
    secret: String @share(type: NONE)
  }`);

const CREDIT = withShareDirectives(`
  type Person @key(fields: "idNumber")
    @resource(code: "CRD", name: "信用", category: BASE, provider: "development-reform", updateCycle: "每日") {
    idNumber: ID!
    dishonestDebtor: Boolean @share(type: UNCONDITIONAL)
  }`);

const sg = (name: string, sdl: string) => ({ name, sdl, url: `http://${name}.test/graphql` });

describe('CONTRACT §3 rules at composition', () => {
  it('composes valid subgraphs and builds the policy model from their directives', () => {
    const result = composeSupergraph([sg('population', PERSONS), sg('credit', CREDIT)]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { model } = result.supergraph;
    expect(model.fields.get('Person.mobile')).toMatchObject({
      subgraph: 'population', resource: 'POP', provider: 'public-security', shareType: 'CONDITIONAL',
      condition: '联系服务对象', mask: 'MOBILE', compare: false,
    });
    expect(model.fields.get('Person.dishonestDebtor')).toMatchObject({ subgraph: 'credit', resource: 'CRD', provider: 'development-reform' });
    // The repeated key field belongs to the subgraph that classifies it.
    expect(model.fields.get('Person.idNumber')).toMatchObject({ subgraph: 'population', key: true, mask: 'ID_NUMBER' });
    expect(model.resources.get('CRD')).toMatchObject({ subgraph: 'credit', category: 'BASE', updateCycle: '每日' });
  });

  it('keeps NONE fields out of the API schema and puts the condition into CONDITIONAL descriptions', async () => {
    const result = composeSupergraph([sg('population', PERSONS), sg('credit', CREDIT)]);
    if (!result.ok) throw new Error('composition failed');
    const { Supergraph } = await import('@apollo/federation-internals');
    const api = Supergraph.build(result.supergraph.supergraphSdl).apiSchema().toGraphQLJSSchema();
    const person = api.getType('Person') as import('graphql').GraphQLObjectType;
    expect(Object.keys(person.getFields())).not.toContain('secret');
    expect(Object.keys(person.getFields())).toContain('mobile');
    expect(person.getFields().mobile!.description).toContain('联系服务对象');
    expect(printSchema(api)).not.toContain('secret');
  });

  it('refuses an unclassified field with UNCLASSIFIED_FIELD and its coordinate', () => {
    const bad = CREDIT.replace('dishonestDebtor: Boolean @share(type: UNCONDITIONAL)', 'dishonestDebtor: Boolean');
    const result = composeSupergraph([sg('population', PERSONS), sg('credit', bad)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'UNCLASSIFIED_FIELD', coordinate: 'Person.dishonestDebtor', subgraph: 'credit' }));
  });

  it('refuses a key field that no subgraph classifies', () => {
    const bad = PERSONS.replace('idNumber: ID! @share(type: UNCONDITIONAL) @mask(rule: ID_NUMBER)', 'idNumber: ID!');
    const { errors } = analyseSubgraphs([sg('population', bad), sg('credit', CREDIT)]);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'UNCLASSIFIED_FIELD', coordinate: 'Person.idNumber' }));
  });

  it('refuses a @compare field whose result carries a String with INVALID_COMPARE_RESULT', () => {
    const compare = withShareDirectives(`
      type Query { verify(ids: [ID!]!): [Check!]! @share(type: CONDITIONAL) @compare }
      type Check @resource(code: "CHK", name: "核验", category: BASE, provider: "public-security", updateCycle: "实时") {
        index: Int! @share(type: CONDITIONAL)
        found: Boolean! @share(type: CONDITIONAL)
        detail: Detail @share(type: CONDITIONAL)
      }
      type Detail { realName: String @share(type: CONDITIONAL) }`);
    const result = composeSupergraph([sg('checks', compare)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([expect.objectContaining({ code: 'INVALID_COMPARE_RESULT', coordinate: 'Query.verify' })]);
    expect(result.errors[0]!.message).toContain('Detail.realName: String');
  });

  it('accepts a @compare field with Boolean, Int, Float and enum leaves only', () => {
    const compare = withShareDirectives(`
      enum Level { LOW HIGH }
      type Query { verify(ids: [ID!]!): [Check!]! @share(type: CONDITIONAL) @compare }
      type Check @resource(code: "CHK", name: "核验", category: BASE, provider: "public-security", updateCycle: "实时") {
        index: Int! @share(type: CONDITIONAL) found: Boolean! @share(type: CONDITIONAL)
        score: Float @share(type: CONDITIONAL) level: Level @share(type: CONDITIONAL)
      }`);
    expect(composeSupergraph([sg('checks', compare)]).ok).toBe(true);
  });

  it('refuses two subgraphs owning the same field with DUPLICATE_OWNER, even where federation would allow it', () => {
    // One federation @link only (a second one is not a valid subgraph): the default block plus @shareable.
    const twice = withShareDirectives(`
      ${SHARE_LINK_SDL.replace('"@composeDirective"]', '"@composeDirective", "@shareable"]')}
      type Person @key(fields: "idNumber")
        @resource(code: "CRD", name: "信用", category: BASE, provider: "development-reform", updateCycle: "每日") {
        idNumber: ID!
        name: String @share(type: UNCONDITIONAL) @shareable
      }`);
    const result = composeSupergraph([sg('population', PERSONS), sg('credit', twice)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_OWNER', coordinate: 'Person.name' }));
    expect(result.errors.find((e) => e.code === 'DUPLICATE_OWNER')!.message).toMatch(/population.*credit|credit.*population/);
  });

  it('reports federation composition errors as COMPOSITION_ERROR', () => {
    const conflicting = withShareDirectives(`
      type Person @key(fields: "idNumber")
        @resource(code: "CRD", name: "信用", category: BASE, provider: "development-reform", updateCycle: "每日") {
        idNumber: Int!
        dishonestDebtor: Boolean @share(type: UNCONDITIONAL)
      }`);
    const result = composeSupergraph([sg('population', PERSONS), sg('credit', conflicting)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.code).toBe('COMPOSITION_ERROR');
  });

  it('keeps the share directive definitions parseable on their own', () => {
    expect(() => buildASTSchema(parse(`type Query { a: Int }\n${withShareDirectives('').split('extend schema')[0]}`), { assumeValidSDL: true })).not.toThrow();
  });
  describe('rules 4 and 5 (v1.1): what a subgraph may receive from another through federation', () => {
    const FED = SHARE_LINK_SDL.replace('"@composeDirective"]', '"@composeDirective", "@external", "@requires"]');
    const extension = (body: string) => withShareDirectives(`${FED}
      type Person @key(fields: "idNumber")
        @resource(code: "CRD", name: "信用", category: BASE, provider: "development-reform", updateCycle: "每日") {
        idNumber: ID!
        ${body}
      }`);

    it('accepts @requires on an UNCONDITIONAL unmasked field of another subgraph', () => {
      const persons = PERSONS.replace('secret: String @share(type: NONE)', 'secret: String @share(type: NONE)\n    age: Int @share(type: UNCONDITIONAL)');
      const result = composeSupergraph([sg('population', persons), sg('credit', extension('age: Int @external\n score: Int @requires(fields: "age") @share(type: UNCONDITIONAL)'))]);
      expect(result.ok ? [] : result.errors).toEqual([]);
    });

    it.each([
      ['a masked field', 'name: String @external\n score: Int @requires(fields: "name") @share(type: UNCONDITIONAL)', 'Person.name'],
      ['a CONDITIONAL field', 'mobile: String @external\n score: Int @requires(fields: "mobile") @share(type: UNCONDITIONAL)', 'Person.mobile'],
    ])('refuses @requires on %s with REQUIRES_PROTECTED_FIELD', (_, body, named) => {
      const { errors } = analyseSubgraphs([sg('population', PERSONS), sg('credit', extension(body))]);
      expect(errors).toEqual([expect.objectContaining({ code: 'REQUIRES_PROTECTED_FIELD', coordinate: 'Person.score', subgraph: 'credit' })]);
      expect(errors[0]!.message).toContain(named);
    });

    it('lets an owner key its entity on its own CONDITIONAL field, and nobody else', () => {
      const property = (name: string, provider: string, owned: boolean) => withShareDirectives(`
        type Property @key(fields: "certificateNumber")
          @resource(code: "${name.toUpperCase()}", name: "房产", category: BASE, provider: "${provider}", updateCycle: "每日") {
          certificateNumber: ID!${owned ? ' @share(type: CONDITIONAL, condition: "核查")' : ''}
          ${owned ? 'area: Float @share(type: CONDITIONAL, condition: "核查")' : 'note: String @share(type: UNCONDITIONAL)'}
        }`);
      expect(analyseSubgraphs([sg('housing', property('hse', 'housing', true))]).errors).toEqual([]);
      const { errors } = analyseSubgraphs([sg('housing', property('hse', 'housing', true)), sg('other', property('oth', 'tax', false))]);
      expect(errors).toEqual([expect.objectContaining({ code: 'KEY_NOT_UNCONDITIONAL', coordinate: 'Property', subgraph: 'other' })]);
      expect(errors[0]!.message).toContain('Property.certificateNumber is CONDITIONAL');
    });

    it('accepts the masked identity key the owner declares, re-used by another subgraph', () => {
      const { model, errors } = analyseSubgraphs([sg('population', PERSONS), sg('credit', CREDIT)]);
      expect(errors).toEqual([]);
      expect(model.fields.get('Person.idNumber')).toMatchObject({ subgraph: 'population', key: true, mask: 'ID_NUMBER' });
    });

    it('reads root types under their canonical names, as the supergraph does', () => {
      const renamed = withShareDirectives(`
        schema { query: Lookup }
        type Lookup { thing(id: ID!): Thing @share(type: UNCONDITIONAL) }
        type Thing @resource(code: "THG", name: "物", category: BASE, provider: "tax", updateCycle: "实时") { id: ID! @share(type: UNCONDITIONAL) }`);
      const { model, errors } = analyseSubgraphs([sg('things', renamed)]);
      expect(errors).toEqual([]);
      expect(model.fields.get('Query.thing')).toMatchObject({ root: true, resource: 'THG' });
      expect(model.fields.has('Lookup.thing')).toBe(false);
    });
  });
});
