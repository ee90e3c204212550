/**
 * Once per test run: the compiled packages and the bundled `tollgate` command rebuilt from the sources (tests that
 * spawn the command must not run a stale build), an initialised PGlite snapshot (initdb takes seconds; tests start
 * from the snapshot) and, where Postgres server binaries exist, a throwaway Postgres cluster. In CI (CI=true)
 * Postgres must run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { writePgliteSnapshot } from './packages/core/src/store/PgliteDatabase.ts';
import { startPostgresServer } from './packages/testing/src/postgresServer.ts';

export default async function setup(project: TestProject) {
  // Incremental: a second run with unchanged sources only re-bundles (about a second).
  const root = fileURLToPath(new URL('.', import.meta.url));
  await promisify(execFile)(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root }).catch(
    (error: { stderr?: string; message: string }) => {
      throw new Error(`The build failed before the tests: ${error.stderr || error.message}`);
    },
  );
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
