import type { Database } from '@tollgate/core/store';

/**
 * A database shared by the servers of several tests: the same connection, minus `close`, so a server
 * closing at the end of its test leaves it open for the next one. The test file closes it itself.
 */
export function borrowed(db: Database): Database {
  return {
    kind: db.kind,
    location: db.location,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: async () => {},
  };
}
