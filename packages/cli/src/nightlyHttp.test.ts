/**
 * Issue #6, done when: the nightly job runs against all four servers over HTTP with client-credentials
 * tokens, each token scoped to what the job needs from that server. Real processes and real HTTP:
 * the development issuer (in this process), the four `tollgate serve <server> --http` children
 * (which find the issuer's keys through its metadata: no JWKS setting), and `tollgate run nightly`
 * as a child. The vendor simulators and an OTLP receiver are the only stand-ins; a relay in front of
 * the token endpoint only remembers the tokens it passes on, so the suite knows what must never leak.
 *
 * Then: one trace per account across the job and the servers, a re-run that writes nothing, and no
 * secret (the per-run canary, which is the job's client secret and the servers' vendor credentials,
 * or any token issued) in any output, report or exported span — of the nightly runs and of
 * `tollgate demo`.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ANY_RESOURCE,
  accessTokenClaims,
  type DevIssuer,
  generateSigningKey,
  startDevIssuer,
} from '@tollgate/dev-issuer';
import {
  allNightlyScopes,
  nightlyScopes,
  type RunReport,
  readRunReport,
  SERVER_NAMES,
  type ServerName,
  type StepName,
} from '@tollgate/orchestrator';
import { fastNightlyConfig } from '@tollgate/orchestrator/testing';
import {
  type CrmSimulator,
  type EnrichmentSimulator,
  type PresentedCredential,
  startCrmSimulator,
  startEnrichmentSimulator,
} from '@tollgate/simulators';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CommandProcess,
  type OtlpExport,
  type OtlpReceiver,
  type ReceivedSpan,
  rpcAnswer,
  type ServerProcess,
  SPAN_KIND,
  spansOf,
  startCommandProcess,
  startOtlpReceiver,
  startServerProcess,
  startTokenTap,
  type TokenTap,
  Wire,
} from '../test/securityTestSupport.ts';

const ACCOUNTS = 30;
const RUN_KEY = 'e2e';
const CLIENT_ID = 'nightly';
const ORCHESTRATOR = 'tollgate-orchestrator';
const canary = `canary-${randomBytes(24).toString('hex')}`;

let home: string;
let issuer: DevIssuer;
/** The issuer's own log: one line per token issued or refused, never the token. */
const issuerLog: string[] = [];
let tap: TokenTap;
let receiver: OtlpReceiver;
let crm: CrmSimulator;
let enrichment: EnrichmentSimulator;
let servers: Record<ServerName, ServerProcess>;
let job: { home: string; config: string; secret: string };
/** Every child started, for afterAll, whatever failed. */
const started: ServerProcess[] = [];
const commands: CommandProcess[] = [];
/** Every report file each run left, read right after it (a re-run overwrites them). */
const reports: { file: string; text: string }[] = [];
/** Tokens this suite minted itself, to read the outreach server. */
const minted: string[] = [];
const wire = new Wire();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tollgate-nightly-http-'));
  [issuer, receiver, crm, enrichment] = await Promise.all([
    startDevIssuer({
      key: await generateSigningKey(),
      // Allowed every nightly scope on any server: the job must still ask each server for its own only.
      clients: [
        { client_id: CLIENT_ID, client_secret: canary, resources: { [ANY_RESOURCE]: allNightlyScopes() } },
      ],
      log: (line) => issuerLog.push(line),
    }),
    startOtlpReceiver(),
    startCrmSimulator({
      token: canary,
      rateLimit: { max: 400, intervalMs: 1000 },
      searchRateLimit: { max: 200, intervalMs: 1000 },
      indexingLagMs: 0,
    }),
    startEnrichmentSimulator({
      apiKey: canary,
      companyCount: ACCOUNTS,
      rateLimit: { limit: 200, windowMs: 1000 },
    }),
  ]);
  tap = await startTokenTap(issuer.tokenEndpoint);
  const upstream: Record<ServerName, Record<string, string>> = {
    crm: { CRM_ADAPTER: 'hubspot', CRM_HUBSPOT_URL: crm.url.href, CRM_HUBSPOT_TOKEN: canary },
    enrichment: { ENRICHMENT_VENDOR_URL: enrichment.url.href, ENRICHMENT_API_KEY: canary },
    warehouse: { WAREHOUSE_DEMO_ACCOUNTS: String(ACCOUNTS) },
    outreach: {},
  };
  const start = async (name: ServerName) => {
    const dir = await homeWithSnapshot(name);
    const server = await startServerProcess(name, name, {
      PATH: process.env.PATH ?? '',
      TOLLGATE_HOME: dir,
      // Everything the servers can log, so a secret in any log line is caught.
      TOLLGATE_LOG_LEVEL: 'trace',
      // No JWKS setting: the keys must be discovered from the issuer's metadata.
      [`${name.toUpperCase()}_AUTH_ISSUER`]: issuer.issuer,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...upstream[name],
    });
    started.push(server);
    return server;
  };
  const [all] = await Promise.all([
    Promise.all(SERVER_NAMES.map(start)),
    prepareJob().then((made) => (job = made)),
  ]);
  servers = Object.fromEntries(SERVER_NAMES.map((name, i) => [name, all[i]])) as typeof servers;
}, 100_000);

afterAll(async () => {
  for (const command of commands) command.kill();
  await Promise.all(started.map((server) => server.stop()));
  await Promise.allSettled(
    [issuer, tap, receiver, crm, enrichment].map((each) => (each ? each.close() : undefined)),
  );
  if (home) await rm(home, { recursive: true, force: true });
});

/** A TOLLGATE_HOME holding the test run's initialised PGlite, so no child spends seconds in initdb. */
async function homeWithSnapshot(name: string): Promise<string> {
  const dir = join(home, name);
  await mkdir(dir, { recursive: true });
  await copyFile(inject('pgliteSnapshot'), join(dir, '.pglite-empty.tar'));
  return dir;
}

/** The job's home, its pacing and its client secret file. */
async function prepareJob(): Promise<{ home: string; config: string; secret: string }> {
  const job = {
    home: await homeWithSnapshot('job'),
    config: join(home, 'nightly.json'),
    secret: join(home, 'secret'),
  };
  await writeFile(job.secret, `${canary}\n`, { mode: 0o600 });
  // The shipped pacing is for real vendor limits; these simulators allow far more.
  const config = fastNightlyConfig();
  config.draftMinScore = 50;
  await writeFile(job.config, JSON.stringify(config));
  return job;
}

/** `tollgate run nightly --run-key e2e` over HTTP with client credentials, to its end; its report. */
async function runNightly(): Promise<RunReport> {
  const command = startCommandProcess(
    'run nightly',
    ['run', 'nightly', '--run-key', RUN_KEY, '--config', job.config],
    {
      PATH: process.env.PATH ?? '',
      TOLLGATE_HOME: job.home,
      TOLLGATE_OAUTH_TOKEN_URL: tap.url,
      TOLLGATE_OAUTH_CLIENT_ID: CLIENT_ID,
      TOLLGATE_OAUTH_CLIENT_SECRET_FILE: job.secret,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...Object.fromEntries(
        SERVER_NAMES.map((name) => [`TOLLGATE_${name.toUpperCase()}_URL`, servers[name].url]),
      ),
    },
  );
  commands.push(command);
  const { code, signal } = await command.finished;
  expect(code, `exit ${code ?? signal}\n${command.stdout()}\n${command.stderr()}`).toBe(0);
  const dir = join(job.home, 'reports');
  await keepReports(dir);
  return readRunReport(dir, RUN_KEY);
}

async function keepReports(dir: string): Promise<void> {
  const files = (await readdir(dir)).map((file) => join(dir, file));
  expect(files.map((file) => file.slice(dir.length + 1)).sort()).toEqual(
    expect.arrayContaining([expect.stringMatching(/\.json$/), expect.stringMatching(/\.html$/)]),
  );
  for (const file of files) reports.push({ file, text: await readFile(file, 'utf8') });
}

/** The tokens the issuer logged as issued to the job, after `from` lines of its log. */
function issuedToJob(from = 0): { aud: string; scope: string[] }[] {
  return issuerLog.slice(from).map((line) => {
    const match = /^issued token: client=(\S+) aud=(\S+) scope="([^"]*)"$/.exec(line);
    expect(match?.[1], line).toBe(CLIENT_ID);
    return { aud: match?.[2] ?? '', scope: (match?.[3] ?? '').split(' ').sort() };
  });
}

/** One token per server, for that server's URL, with exactly the scopes of the tools the job calls there. */
const onePerServer = () =>
  SERVER_NAMES.map((name) => ({ aud: servers[name].url, scope: nightlyScopes(name).sort() })).sort((a, b) =>
    a.aud.localeCompare(b.aud),
  );

async function outreachDrafts(): Promise<unknown[]> {
  const token = await issuer.mint(
    accessTokenClaims({
      issuer: issuer.issuer,
      clientId: 'nightly-http-suite',
      audience: servers.outreach.url,
      scopes: ['drafts:read'],
      ttlSeconds: 300,
    }),
  );
  minted.push(token);
  const answer = await wire.rpc(
    servers.outreach.url,
    'tools/call',
    { name: 'list_outreach_drafts', arguments: { limit: 100 } },
    { token },
  );
  expect(answer.status, answer.text).toBe(200);
  const content = rpcAnswer(answer).result?.structuredContent;
  expect(content?.next_cursor, answer.text).toBeNull();
  return content?.drafts as unknown[];
}

let firstReport: RunReport;
/** Every span exported by the end of the re-run, the servers' last batches included. */
let spans: ReceivedSpan[] = [];

/** The batch tool each step of an account calls. */
const STEP_TOOLS: Record<StepName, string | undefined> = {
  crm_read: 'get_accounts',
  signals: 'get_accounts_signals',
  usage: 'get_accounts_usage',
  score: undefined,
  upsert_account: 'upsert_accounts',
  upsert_lead: 'upsert_leads',
  draft: 'create_outreach_drafts',
  research_task: 'create_tasks',
};

// In file order: each step builds on the run before it, and the secrets checks must see everything.
describe.sequential('the nightly job over HTTP with client-credentials tokens (issue #6)', () => {
  it('processes every account against all four servers, with one token per server scoped to what the job calls there', async () => {
    firstReport = await runNightly();
    const { summary } = firstReport;
    expect(summary).toMatchObject({
      status: 'completed',
      accounts: { total: ACCOUNTS, processed: ACCOUNTS, upserted: ACCOUNTS, pending: 0, skipped: 0 },
    });
    // Not degraded: the enrichment vendor took the server's key, so every call got through.
    expect(summary.accounts.degraded).toBe(0);
    expect(firstReport.accounts.filter((account) => !['done', 'routed'].includes(account.status))).toEqual(
      [],
    );
    expect(summary.accounts.drafted, 'no draft: the outreach server went untested').toBeGreaterThan(0);
    for (const name of SERVER_NAMES) expect(summary.calls[name]?.calls, name).toBeGreaterThan(0);

    // What the issuer says it issued, and what the job actually received: the same four tokens.
    expect(issuedToJob().sort((a, b) => a.aud.localeCompare(b.aud))).toEqual(onePerServer());
    expect(tap.tokens).toHaveLength(4);
    const keys = createLocalJWKSet(issuer.jwks);
    const received = await Promise.all(
      tap.tokens.map(async (token) => {
        const { payload } = await jwtVerify(token, keys, { issuer: issuer.issuer });
        return {
          aud: String(payload.aud),
          scope: String(payload.scope).split(' ').sort(),
          client: payload.client_id,
        };
      }),
    );
    expect(received.sort((a, b) => a.aud.localeCompare(b.aud))).toEqual(
      onePerServer().map((token) => ({ ...token, client: CLIENT_ID })),
    );
  }, 60_000);

  it('writes nothing when run again with the same run key', async () => {
    const before = {
      crm: crm.stats(),
      enrichment: enrichment.stats().requests,
      drafts: await outreachDrafts(),
    };
    const logged = issuerLog.length;
    const again = await runNightly();
    expect(again.summary).toMatchObject({
      status: 'completed',
      accounts: { total: ACCOUNTS, resumed: ACCOUNTS, pending: 0 },
    });
    // The finished run did not even reach the vendors; the CRM holds what it held, once each.
    expect(crm.stats().requests).toBe(before.crm.requests);
    expect(crm.stats().records).toEqual(before.crm.records);
    expect(crm.stats().duplicates).toEqual({
      companies: { domain: 0, tollgate_domain: 0 },
      contacts: { email: 0 },
      tasks: { tollgate_key: 0 },
    });
    expect(crm.stats().records.tasks).toBe(firstReport.summary.accounts.routed);
    expect(enrichment.stats().requests).toBe(before.enrichment);
    const drafts = await outreachDrafts();
    expect(drafts).toEqual(before.drafts);
    expect(drafts).toHaveLength(firstReport.summary.accounts.drafted);
    // A new process holds no token: it asked for its own four, scoped the same way.
    expect(issuedToJob(logged).sort((a, b) => a.aud.localeCompare(b.aud))).toEqual(onePerServer());
  }, 60_000);

  it("makes each page one trace: the job's page span, a client span per call, the server's span its child", async () => {
    // Stopped first: a server exports its last batch of spans when it shuts down.
    await Promise.all(started.map((server) => server.stop()));
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports.filter((each) => !each.contentType.startsWith('application/json'))).toEqual([]);
    spans = receiver.spans();
    expect(new Set(spans.map((span) => span.service))).toEqual(
      new Set([ORCHESTRATOR, ...SERVER_NAMES.map((name) => `tollgate-${name}`)]),
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const job = spans.filter((span) => span.service === ORCHESTRATOR);
    const pages = job.filter((span) => span.name === 'nightly page');
    const clients = job.filter((span) => span.kind === SPAN_KIND.client);
    const served = spans.filter((span) => span.service !== ORCHESTRATOR);

    // Every account of the first run, each in one page; the second resumed them all and made none.
    expect(pages.flatMap((span) => span.attributes['tollgate.accounts'] as string[]).sort()).toEqual(
      firstReport.accounts.map((account) => account.domain).sort(),
    );
    for (const span of [...clients, ...served]) {
      const tool = span.name.replace(/^tools\/call /, '');
      expect(span.attributes, `${span.service} ${span.name}`).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool,
        'gen_ai.operation.name': 'execute_tool',
      });
    }
    expect(served.every((span) => span.kind === SPAN_KIND.server)).toBe(true);

    // Each server span's parent is the job's client span for that very call, in the same trace.
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
    const misparented = served
      .filter((span) => span.parentSpanId !== '')
      .filter((span) => {
        const parent = parentOf(span);
        return !(
          parent?.service === ORCHESTRATOR &&
          parent.kind === SPAN_KIND.client &&
          parent.name === span.name &&
          parent.traceId === span.traceId &&
          parent.attributes['tollgate.server'] === span.attributes['tollgate.server']
        );
      });
    expect(misparented).toEqual([]);
    // Only this suite's own reads of the outreach server came without a trace context.
    expect(served.filter((span) => span.parentSpanId === '').map((span) => span.name)).toEqual([
      'tools/call list_outreach_drafts',
      'tools/call list_outreach_drafts',
    ]);
    // One server span per client span: every call the job made arrived with its context.
    const children = new Map<string, number>();
    for (const span of served) children.set(span.parentSpanId, (children.get(span.parentSpanId) ?? 0) + 1);
    expect(clients.filter((span) => children.get(span.spanId) !== 1).map((span) => span.name)).toEqual([]);
    // Calls for a page nest under its span; only the warehouse listing stands alone.
    expect(
      clients
        .filter((span) => parentOf(span)?.name !== 'nightly page')
        .map((span) => span.name)
        .filter((name) => name !== 'tools/call list_accounts'),
    ).toEqual([]);

    // A page's trace holds the spans of the CRM, enrichment and warehouse servers for its calls.
    const servedIn = (page: ReceivedSpan) =>
      new Set(served.filter((span) => span.traceId === page.traceId).map((span) => span.service));
    const whole = pages.filter((page) =>
      ['tollgate-crm', 'tollgate-enrichment', 'tollgate-warehouse'].every((service) =>
        servedIn(page).has(service),
      ),
    );
    expect(whole.length).toBeGreaterThan(0);
  }, 30_000);

  // cockatiel's bulkhead starts a queued call from the call that frees its slot; without binding,
  // the queued call would run in that other page's async context and join its trace. A batch call
  // may carry several pages' accounts (items wait in one queue per tool): it runs in the trace of
  // its first item's page and lists every account it carries.
  it("keeps each call in the trace of its first account's page, and each account's attempts once", () => {
    const pages = spans.filter((span) => span.service === ORCHESTRATOR && span.name === 'nightly page');
    expect(pages.flatMap((span) => span.attributes['tollgate.accounts'] as string[])).toHaveLength(ACCOUNTS);
    const pageOf = new Map(
      pages.flatMap((page) =>
        (page.attributes['tollgate.accounts'] as string[]).map((d) => [d, page.spanId]),
      ),
    );
    const calls = spans.filter(
      (span) =>
        span.service === ORCHESTRATOR &&
        span.kind === SPAN_KIND.client &&
        span.name !== 'tools/call list_accounts',
    );
    for (const call of calls) {
      const carried = call.attributes['tollgate.accounts'] as string[] | undefined;
      expect(carried?.length, call.name).toBeGreaterThan(0);
      expect(call.parentSpanId, `${call.name} for ${carried?.join(', ')}`).toBe(
        pageOf.get(carried?.[0] ?? ''),
      );
    }
    // Each attempt an account's step counts is one call that carried it: no more, no fewer.
    for (const account of firstReport.accounts) {
      for (const [step, tool] of Object.entries(STEP_TOOLS)) {
        if (tool === undefined) continue;
        const carrying = calls.filter(
          (call) =>
            call.name === `tools/call ${tool}` &&
            (call.attributes['tollgate.accounts'] as string[]).includes(account.domain),
        );
        expect(carrying.length, `${account.domain} ${step}`).toBe(
          account.steps[step as StepName]?.attempts ?? 0,
        );
      }
    }
  });

  it('never shows the canary or an issued token in any output, report or exported span', async () => {
    await Promise.all(started.map((server) => server.stop()));
    // Not vacuous: the canary reached the vendors as each server's credential, and nothing else did.
    expect(presented(crm.credentials())).toEqual([{ carrier: 'authorization', value: `Bearer ${canary}` }]);
    expect(presented(enrichment.credentials())).toEqual([{ carrier: 'x-api-key', value: canary }]);
    expect(tap.tokens).toHaveLength(8);
    for (const server of started) {
      expect(server.output(), `${server.label} wrote no call record`).toContain('"event":"tool_call"');
    }
    expectNoSecrets([
      ...started.map((server) => [`tollgate serve ${server.label}`, server.output()] as const),
      ...commands.flatMap((command, i) => [
        [`${command.label} #${i + 1} stdout`, command.stdout()] as const,
        [`${command.label} #${i + 1} stderr`, command.stderr()] as const,
      ]),
      ...reports.map((report) => [report.file, report.text] as const),
      ...receiver.exports.map((each, i) => [`OTLP export #${i + 1}`, each.body] as const),
      ['answers to this suite', wire.transcript()] as const,
    ]);
  }, 30_000);

  it('tollgate demo: with the canary as its vendor credentials, shows it nowhere', async () => {
    const demoHome = join(home, 'demo-home');
    const exported = receiver.exports.length;
    const reported = reports.length;
    const demo = startCommandProcess('demo', ['demo', '--accounts', '20', '--fresh'], {
      PATH: process.env.PATH ?? '',
      TOLLGATE_HOME: demoHome,
      CRM_HUBSPOT_TOKEN: canary,
      ENRICHMENT_API_KEY: canary,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    commands.push(demo);
    const vendors = await watchDemoVendors(demo);
    const { code, signal } = await demo.finished;
    expect(code, `exit ${code ?? signal}\n${demo.stdout()}\n${demo.stderr()}`).toBe(0);
    await keepReports(join(demoHome, 'demo', 'reports'));
    const demoReport = reports.slice(reported).find((each) => each.file.endsWith('.json'));
    expect((JSON.parse(demoReport?.text ?? '{}') as RunReport).summary.accounts).toMatchObject({ total: 20 });
    // Not vacuous: the demo's simulated vendors required the canary and its servers sent it.
    expect(vendors.crm).toEqual([{ carrier: 'authorization', value: `Bearer ${canary}` }]);
    expect(vendors.enrichment).toEqual([{ carrier: 'x-api-key', value: canary }]);
    const demoSpans = receiver.exports.slice(exported);
    expect(demoSpans.length, 'the demo exported no spans').toBeGreaterThan(0);
    // The demo passes OTEL_* to its stdio servers, so they trace too (outreach only when a draft is due).
    const demoServices = new Set(
      demoSpans.flatMap((each) => spansOf(JSON.parse(each.body) as OtlpExport).map((span) => span.service)),
    );
    for (const service of [ORCHESTRATOR, 'tollgate-warehouse', 'tollgate-crm', 'tollgate-enrichment']) {
      expect(demoServices, `no spans from ${service}`).toContain(service);
    }
    // The demo's stdio servers append their call records to the demo's log directory: scan those too.
    const logDir = join(demoHome, 'demo', 'logs');
    const serverLogs = await Promise.all(
      (await readdir(logDir)).map(
        async (file) => [file, await readFile(join(logDir, file), 'utf8')] as const,
      ),
    );
    expect(serverLogs.map(([file]) => file).sort()).toEqual(SERVER_NAMES.map((name) => `${name}.log`).sort());
    for (const [file, text] of serverLogs.filter(([file]) => file !== 'outreach.log')) {
      expect(text, `${file} holds no call record`).toContain('"event":"tool_call"');
    }
    expectNoSecrets([
      ['demo stdout', demo.stdout()],
      ['demo stderr', demo.stderr()],
      ...serverLogs.map(([file, text]) => [`demo server log ${file}`, text] as const),
      ...reports.slice(reported).map((report) => [report.file, report.text] as const),
      ...demoSpans.map((each, i) => [`demo OTLP export #${i + 1}`, each.body] as const),
    ]);
  }, 60_000);
});

type Presented = Pick<PresentedCredential, 'carrier' | 'value'>;
const presented = (credentials: readonly PresentedCredential[]): Presented[] =>
  credentials.map(({ carrier, value }) => ({ carrier, value }));

/**
 * The credentials the demo's simulated vendors saw, read from their admin endpoints while the demo
 * runs (it closes them when it ends): the last answer before the end.
 */
async function watchDemoVendors(demo: CommandProcess): Promise<Record<'crm' | 'enrichment', Presented[]>> {
  let ended = false;
  void demo.finished.finally(() => {
    ended = true;
  });
  const seen: Record<'crm' | 'enrichment', Presented[]> = { crm: [], enrichment: [] };
  const printed = {
    enrichment: /simulated enrichment vendor (http:\/\/\S+)/,
    crm: /simulated HubSpot-style CRM (http:\/\/\S+)/,
  } as const;
  while (!ended) {
    for (const name of ['crm', 'enrichment'] as const) {
      const origin = printed[name].exec(demo.stderr())?.[1];
      if (origin === undefined) continue;
      const answer = await fetch(`${origin}/__admin/credentials`)
        .then((response) => (response.ok ? (response.json() as Promise<PresentedCredential[]>) : undefined))
        .catch(() => undefined);
      if (answer !== undefined) seen[name] = presented(answer);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return seen;
}

/** No line of any text holds the canary, the job's Basic credential, an issued token or its signature, or any JWT. */
function expectNoSecrets(texts: readonly (readonly [string, string])[]): void {
  const tokens = [...tap.tokens, ...minted];
  const secrets = [
    canary,
    Buffer.from(`${CLIENT_ID}:${canary}`).toString('base64'),
    ...tokens,
    // A token written in pieces escapes a search for the whole; its signature is unique to it.
    ...tokens.map((token) => token.split('.')[2] ?? token),
  ];
  const jwt = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;
  const leaks = texts.flatMap(([source, text]) =>
    text
      .split('\n')
      .filter((line) => jwt.test(line) || secrets.some((secret) => line.includes(secret)))
      .map((line) => `${source}: ${line.slice(0, 300)}`),
  );
  expect(leaks).toEqual([]);
}
