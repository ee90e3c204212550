import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-token-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

const tollgate = (...args: string[]) =>
  run(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home } });

describe('tollgate token', () => {
  it('mints a token that verifies against the printed JWKS', async () => {
    const audience = 'http://127.0.0.1:3000/mcp';
    const { stdout } = await tollgate(
      'token',
      'mint',
      '--audience',
      audience,
      '--scope',
      'accounts:read leads:read',
    );
    const { stdout: jwks } = await tollgate('token', 'jwks');
    const keys = JSON.parse(jwks) as JSONWebKeySet;
    expect(keys.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(stdout.trim(), createLocalJWKSet(keys), {
      issuer: 'http://127.0.0.1:4500',
      audience,
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toBe(keys.keys[0]?.kid);
    expect(payload).toMatchObject({ sub: 'dev', client_id: 'dev', scope: 'accounts:read leads:read' });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect((await stat(join(home, 'issuer', 'signing-key.json'))).mode & 0o777).toBe(0o600);
  });

  it('refuses an audience that is not a URL, saying what to give', async () => {
    const failure = await tollgate('token', 'mint', '--audience', 'crm', '--scope', 'a:b').catch(
      (error) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("Give the server's URL");
  });

  it('serves tokens for the default nightly client without printing its secret', async () => {
    const child = spawn(process.execPath, [bin, 'token', 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    try {
      await expect.poll(() => /token {5}(\S+)/.exec(stderr)?.[1], { timeout: 20_000 }).toBeDefined();
      const tokenEndpoint = /token {5}(\S+)/.exec(stderr)?.[1] as string;
      const issuer = /issuer {4}(\S+)/.exec(stderr)?.[1] as string;
      const secret = (await readFile(join(home, 'issuer', 'nightly.secret'), 'utf8')).trim();
      expect(stderr).not.toContain(secret);
      expect(stderr).toContain(`TOLLGATE_OAUTH_CLIENT_SECRET_FILE=${join(home, 'issuer', 'nightly.secret')}`);

      const resource = 'http://127.0.0.1:3001/mcp';
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`nightly:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'signals:read' }),
      });
      const body = (await response.json()) as { access_token: string; scope: string };
      expect(body.scope).toBe('signals:read');
      await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
        issuer,
        audience: resource,
      });
      expect(stderr).not.toContain(body.access_token);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
