/**
 * The one SQL surface a provider writes against. The same statements run on embedded PGlite and
 * on a PostgreSQL server, so providers write schema-qualified, plain PostgreSQL.
 */
export interface Sql {
  /** One statement with `$1…$n` parameters. Counted: this is one database round trip. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** A script of several statements without parameters (DDL, seeding housekeeping). Not counted. */
  exec(script: string): Promise<void>;
}

/** A backend with a lifetime; `Sql` plus closing. */
export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** Wraps a database so that every `query` reports itself; `exec` is housekeeping and is not counted. */
export function countingSql(db: Sql, onQuery: () => void): Sql {
  return {
    query(text, params) {
      onQuery();
      return db.query(text, params);
    },
    exec: (script) => db.exec(script),
  };
}
