import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, openDestination } from './logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');

describe('a log file destination', () => {
  it('writes every line, in order, once flushed', async () => {
    const file = join(dir, 'flushed.log');
    const logger = createLogger({ destination: openDestination(file) });
    for (let i = 0; i < 1000; i++) logger.info({ i, text: 'é'.repeat(i % 7) }, 'line');
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    const written = lines(file).map((line) => JSON.parse(line) as { i: number });
    expect(written.map((line) => line.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('loses no line when the process exits right after writing', () => {
    const file = join(dir, 'exit.log');
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = [
      `import { createLogger, openDestination } from ${JSON.stringify(logger)};`,
      `const log = createLogger({ destination: openDestination(${JSON.stringify(file)}) });`,
      // Fewer than one chunk, then a chunk and more: both still collected when the process exits.
      'for (let i = 0; i < 25; i++) log.info({ i }, "line");',
      'setTimeout(() => { for (let i = 25; i < 60; i++) log.info({ i }, "line"); process.exit(0); }, 50);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(lines(file).map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
  });
});
