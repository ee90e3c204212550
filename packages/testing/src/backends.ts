import { inject } from 'vitest';
import { freshPglite, freshPostgres, type TestDatabase } from './databases.ts';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** Why this backend cannot run here, or '' when it can. */
  skip: string;
  open(): Promise<TestDatabase>;
}

/**
 * The two stores every storage test runs on: embedded PGlite, and the Postgres server started by
 * the test run's global setup. Use with `describe.each(backends())` and `describe.skipIf`.
 */
export function backends(): Backend[] {
  return [
    { name: 'pglite', skip: '', open: () => freshPglite(inject('pgliteSnapshot')) },
    {
      name: 'postgres',
      skip: inject('postgresSkipReason'),
      open: () => freshPostgres(inject('postgresUrl')),
    },
  ];
}
