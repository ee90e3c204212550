import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');

/**
 * What an outside project writes: the README's server, exactly as the README shows it (a read and a
 * create tool over the server's own store, with nothing but the package's public root).
 */
async function readmeServer(): Promise<string> {
  const readme = await readFile(join(repo, 'README.md'), 'utf8');
  const block = /Build a server of your own[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no "Build a server of your own" code block');
  return block;
}

let dir: string;
let app: string;

/** The tarball npm would publish, installed from the registry's view: no workspace, no sources. */
async function installFromTarball(): Promise<void> {
  // Core depends on @tollgate/gtm-data, published alongside it; the project installs both tarballs.
  const { stdout } = await run(
    'npm',
    [
      'pack',
      '--workspace',
      'packages/core',
      '--workspace',
      'packages/gtm-data',
      '--pack-destination',
      dir,
      '--json',
    ],
    {
      cwd: repo,
    },
  );
  const tarballs = JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] }[];
  const packed = tarballs.find((tarball) => tarball.name === '@tollgate/core');
  const gtmData = tarballs.find((tarball) => tarball.name === '@tollgate/gtm-data');
  if (packed === undefined || gtmData === undefined) throw new Error('npm pack reported no tarball');
  // Compiled code only: no sources, no tests, no build info.
  const paths = packed.files.map((file) => file.path);
  expect(paths.filter((path) => !/^(dist\/.*\.(js|d\.ts)|package\.json|README\.md)$/.test(path))).toEqual([]);
  expect(paths).toContain('dist/index.js');
  expect(paths).toContain('dist/index.d.ts');

  const { version: zod } = JSON.parse(
    await readFile(join(repo, 'node_modules/zod/package.json'), 'utf8'),
  ) as {
    version: string;
  };
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'billing-server',
      private: true,
      type: 'module',
      dependencies: {
        '@tollgate/core': `file:../${packed.filename}`,
        '@tollgate/gtm-data': `file:../${gtmData.filename}`,
        zod: `^${zod}`,
      },
      devDependencies: { '@types/node': '^20' },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    timeout: 240_000,
  });
}

describe('@tollgate/core installed from its tarball into a project outside the repository', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-outside-'));
    app = join(dir, 'billing');
    await mkdir(app);
    await installFromTarball();
    await writeFile(join(app, 'server.ts'), await readmeServer());
    // The package's own README, as installed: its example must compile against the package too.
    const packageReadme = await readFile(join(app, 'node_modules/@tollgate/core/README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(packageReadme)?.[1];
    if (example === undefined) throw new Error('the packed README.md has no ts example');
    await writeFile(join(app, 'readme-example.ts'), example);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          skipLibCheck: false,
          outDir: '.',
        },
        files: ['server.ts', 'readme-example.ts'],
      }),
    );
    // Type-checks both against the published declarations (and theirs), then emits server.js.
    await run(process.execPath, [tsc, '-p', app], { cwd: app }).catch((error: { stdout?: string }) => {
      throw new Error(`The outside server does not type-check against the package:\n${error.stdout}`);
    });
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const clients: Client[] = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
  });

  async function start(env: Record<string, string> = {}) {
    const home = await mkdtemp(join(dir, 'home-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['server.js'],
      cwd: app,
      env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home, ...env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'outside-test', version: '1' });
    clients.push(client);
    await client.connect(transport);
    return client;
  }

  const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? '';
  const errorOf = (result: unknown) =>
    (result as { structuredContent: { error: { code: string; retryable: boolean } } }).structuredContent
      .error;

  it('runs with plain node and keeps every guarantee of the gate', async () => {
    const client = await start();
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
      'create_invoice',
      'get_invoice',
    ]);

    const invalid = await client.callTool({
      name: 'create_invoice',
      arguments: { cents: -5, idempotency_key: 'k1' },
    });
    expect(invalid.isError).toBe(true);
    expect(errorOf(invalid)).toMatchObject({ code: 'invalid_input', retryable: false });
    // What the model reads says the same.
    expect(text(invalid)).toContain('invalid_input');

    const created = await client.callTool({
      name: 'create_invoice',
      arguments: { cents: 1200, idempotency_key: 'k1' },
    });
    expect(created.structuredContent).toEqual({ id: 'inv_k1', cents: 1200 });
    const replayed = await client.callTool({
      name: 'create_invoice',
      arguments: { cents: 1200, idempotency_key: 'k1' },
    });
    expect(replayed.structuredContent).toEqual(created.structuredContent);
    expect(replayed._meta).toMatchObject({ 'tollgate/replayed': true });
    const reused = await client.callTool({
      name: 'create_invoice',
      arguments: { cents: 999, idempotency_key: 'k1' },
    });
    expect(errorOf(reused)).toMatchObject({ code: 'idempotency_key_reused', retryable: false });

    const read = await client.callTool({ name: 'get_invoice', arguments: { id: 'inv_k1' } });
    expect(read.structuredContent).toEqual({ id: 'inv_k1', cents: 1200 });
    const missing = await client.callTool({ name: 'get_invoice', arguments: { id: 'inv_none' } });
    expect(errorOf(missing).code).toBe('not_found');
  }, 120_000);

  it('refuses and does not list a tool whose scope it was not granted', async () => {
    const client = await start({ BILLING_SCOPES: 'invoices:read' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['get_invoice']);
    const refused = await client.callTool({
      name: 'create_invoice',
      arguments: { cents: 1, idempotency_key: 'k2' },
    });
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', retryable: false });
  }, 120_000);
});
