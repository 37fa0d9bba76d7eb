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

/** A backend with a lifetime; `Sql` plus transactions and closing. */
export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `work` on one connection inside BEGIN … COMMIT: committed when it resolves, rolled back when it
   * throws (the error is rethrown). Inside, use only `tx`: on PGlite every other statement waits until the
   * transaction ends, so a statement on the database itself would wait for ever.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
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
