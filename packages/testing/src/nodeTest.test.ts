import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const file = 'packages/testing/test/notes.node-test.ts';

/** Runs the notes contract cases with `node --test` and returns the TAP summary counts. */
async function nodeTest(env: Record<string, string> = {}) {
  const args = ['--conditions=tollgate-source', '--import', 'tsx', '--test', '--test-reporter=tap', file];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1] ?? -1);
  return { pass: count('pass'), fail: count('fail'), stdout };
}

describe('the contract kit under node:test', () => {
  it('registers and runs the cases with node:test’s describe and it', async () => {
    const { pass, fail, stdout } = await nodeTest();
    expect(fail, stdout).toBe(0);
    expect(pass, stdout).toBe(10);
    expect(stdout).toContain('ok 1 - add_note: replays the first result for a repeated key');
  }, 60_000);

  it('fails there too when the server shows a secret', async () => {
    const { fail, stdout } = await nodeTest({ NOTES_LEAK_KEY: '1' });
    expect(fail, stdout).toBe(1);
    expect(stdout).toMatch(/not ok \d+ - lookup_word: never shows a declared secret/);
  }, 60_000);
});
