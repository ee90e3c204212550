/**
 * Once per test run: an initialised PGlite snapshot (initdb takes seconds; tests start from the snapshot) and, where
 * Postgres server binaries exist, a throwaway Postgres cluster. In CI (CI=true) Postgres must run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { writePgliteSnapshot } from './packages/core/src/store/PgliteDatabase.ts';
import { startPostgresServer } from './packages/core/src/testing/postgresServer.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresUrl: string;
    postgresSkipReason: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-test-'));
  const snapshot = join(dir, 'pglite-empty.tar');
  await writePgliteSnapshot(snapshot);
  project.provide('pgliteSnapshot', snapshot);

  let stop = async () => {};
  if (process.env.TOLLGATE_TEST_DATABASE_URL) {
    project.provide('postgresUrl', process.env.TOLLGATE_TEST_DATABASE_URL);
    project.provide('postgresSkipReason', '');
  } else {
    try {
      const server = await startPostgresServer();
      stop = server.stop;
      project.provide('postgresUrl', server.url);
      project.provide('postgresSkipReason', '');
    } catch (error) {
      const reason = `Postgres tests skipped: ${(error as Error).message}`;
      if (process.env.CI === 'true') throw new Error(`${reason} CI must run them.`);
      console.warn(reason);
      project.provide('postgresUrl', '');
      project.provide('postgresSkipReason', reason);
    }
  }
  return async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
}
