import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('the tollgate command', () => {
  it('prints its version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('prints help', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: tollgate');
  });

  it('fails with a pointer to --help on an unknown command', async () => {
    const failure = await run(process.execPath, [bin, 'frobnicate']).catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('tollgate --help');
  });
});
