import type { Normalizer } from './compare-normalize.ts';
import type { Sql } from './sql.ts';

/** What a caller's data set looks like when the kit asks a provider to seed it. */
export interface SeedOptions { seed: number; persons: number }

/**
 * How the kit counts one claimed value of a `@compare` field (CONTRACT §5: at most 3 distinct values
 * per consumer, subject and field in 30 days). Keyed in `SubgraphDefinition.claims` by the claim's
 * coordinate: `PersonClaim.name` for an input field, `Query.checkName(name:)` for an argument.
 */
export interface ClaimRule {
  /**
   * The register field the claim is compared with, e.g. `Person.name`. Claims of the same field share
   * one allowance whichever comparison carries them, so a second comparison buys no fresh tries.
   */
  compares: string;
  /**
   * The normaliser the comparison itself uses (`normalizeName`, `normalizeDate`, …): values it makes
   * equal count once, values it keeps apart count apart. `null` (the value does not normalise, such as
   * an impossible date) counts as one value, "invalid".
   */
  normalize: Normalizer;
}

/** Resolver map in the shape `buildSubgraphSchema` takes; `ctx` is the kit's `SubgraphContext`. */
export type Resolvers = Record<string, Record<string, unknown>>;

export interface SubgraphContext<L> {
  /** Counted SQL: each `query` is one round trip in `govshare_subgraph_db_queries_total`. */
  sql: Sql;
  /** This request's DataLoaders: a list of N entities costs one query per loader. */
  loaders: L;
}

/**
 * Everything a provider writes: SDL, SQL and resolvers. The kit does the rest (server, schema,
 * loaders per request, seeding, health and metrics).
 */
export interface SubgraphDefinition<L = unknown> {
  /** Subgraph name as it appears in the supergraph, e.g. `legal-entity`. */
  name: string;
  /** The PostgreSQL schema the subgraph owns; every statement names it. */
  dbSchema: string;
  /** Default port when started on its own. */
  port: number;
  /** The provider's types; the kit adds the share directives' link block and definitions. */
  sdl: string;
  /** Idempotent DDL (`CREATE SCHEMA/TABLE IF NOT EXISTS …`). */
  ddl: string;
  /** Fills the freshly created tables; called once per data set (seed, persons). */
  seed?: (sql: Sql, options: SeedOptions) => Promise<void>;
  /** Fresh DataLoaders for one request. */
  loaders: (sql: Sql) => L;
  resolvers: Resolvers;
  /**
   * Claim rules of the `@compare` fields, by claim coordinate. The kit limits every `@compare` field
   * whether or not its claims are listed here; a claim without a rule is counted by its exact text and
   * on its own coordinate, which can only cost a consumer tries, never give it more.
   */
  claims?: Readonly<Record<string, ClaimRule>>;
}

/** Identity function that gives the provider's object its type (and `ctx.loaders` its shape). */
export function defineSubgraph<L>(definition: SubgraphDefinition<L>): SubgraphDefinition<L> {
  return definition;
}
