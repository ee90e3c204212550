/**
 * What the test run's global setup (vitest.setup.ts) provides to every test file, read with
 * `inject`. Declared here, beside its readers, so the packages' build sees it too.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresUrl: string;
    postgresSkipReason: string;
  }
}

export {};
