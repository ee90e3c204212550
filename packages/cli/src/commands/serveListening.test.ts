import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));

/** Starts `tollgate serve crm --http` and returns its first stderr lines once it listens. */
async function listeningLine(env: Record<string, string>): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'tollgate-listen-'));
  const child = spawn(process.execPath, [bin, 'serve', 'crm', '--http', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home, TOLLGATE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    let text = '';
    for await (const chunk of child.stderr) {
      text += String(chunk);
      if (text.includes('listening on')) return text;
    }
    return text;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(home, { recursive: true, force: true });
  }
}

describe('the listening line of tollgate serve --http', () => {
  it('names the setting that turned token auth off, as the operator set it', async () => {
    expect(await listeningLine({ CRM_AUTH: 'none' })).toContain('no token auth (CRM_AUTH=none)');
  });

  it('says a server without auth stays on loopback', async () => {
    expect(await listeningLine({})).toContain('no token auth: loopback only');
  });
});
