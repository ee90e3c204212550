import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));

describe('tollgate run nightly --help', () => {
  it('documents the unfinished-run rule, --new-run, Ctrl-C, and every exit status', async () => {
    const { stdout } = await run(process.execPath, [bin, 'run', 'nightly', '--help']);
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain('--new-run');
    expect(text).toContain('the last run if unfinished, else today, UTC');
    expect(text).toContain(
      'Without --run-key, an unfinished last run (killed, interrupted or incomplete) is resumed',
    );
    expect(text).toContain('A second one exits at once');
    expect(text).toMatch(
      /0 completed; 1 could not start .* 3 incomplete .* 4 the report could not be written .* 130 \/ 143 interrupted by SIGINT \/ SIGTERM/,
    );
  });
});
