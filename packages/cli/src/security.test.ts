/**
 * The security suite (issue #6): all four servers as real `tollgate serve <server> --http` children
 * with bearer-token auth, probed over raw HTTP for every tool they list. The vendor simulators are the
 * only fakes. Per tool: no token, seven kinds of bad token, each required scope missing, the right
 * scopes, and a foreign Host or Origin. Then: the caller's token never travels upstream, and no answer
 * and no line a server wrote shows a secret (the per-run canary credential, or any token sent).
 *
 * Where each server holds the canary:
 * - crm: its HubSpot private-app token (CRM_HUBSPOT_TOKEN), against the CRM simulator;
 * - enrichment: its vendor API key (ENRICHMENT_API_KEY), against the enrichment simulator;
 * - a second crm and a second enrichment server hold it for a vendor that refuses it, so the refusal
 *   runs through their error mapping;
 * - every server, when the test run has a Postgres server with trust auth: the password of its
 *   database URL. Warehouse and outreach call no vendor, so that password is the only secret they
 *   hold; without Postgres they run on embedded stores and hold no secret at all, and the suite
 *   still checks that no bearer token leaks from them.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openPostgres } from '@tollgate/core/store';
import {
  type CrmSimulator,
  DEFAULT_SEED,
  demoCompanies,
  type EnrichmentSimulator,
  startCrmSimulator,
  startEnrichmentSimulator,
} from '@tollgate/simulators';
import { demoWarehouseMigrations, seedDemoWarehouse } from '@tollgate/warehouse';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Answer,
  type Claims,
  challenge,
  ISSUER,
  inSeconds,
  rpcAnswer,
  type ServerProcess,
  startServerProcess,
  TokenMint,
  Wire,
} from '../test/securityTestSupport.ts';

const SERVERS = ['crm', 'enrichment', 'warehouse', 'outreach'] as const;
type ServerName = (typeof SERVERS)[number];

interface ToolSpec {
  scopes: readonly string[];
  /** Arguments that reach the tool's upstream (vendor or database) when the call is allowed. */
  args: Record<string, unknown>;
  /** What an allowed call answers: a result, or a tool-level not_found. */
  outcome: 'ok' | 'not_found';
}

// A company the warehouse demo data, the enrichment simulator and the CRM all know.
const DOMAIN = demoCompanies(DEFAULT_SEED, 20).find((company) => company.enrichable)?.domain as string;

/**
 * Every tool of every server and the scopes it requires. tools/list must name exactly these, so a
 * tool added later fails this suite until it is added here, and so runs through every case.
 */
const TOOLS: Record<ServerName, Record<string, ToolSpec>> = {
  crm: {
    get_account: { scopes: ['accounts:read'], args: { domain: DOMAIN }, outcome: 'ok' },
    upsert_account: {
      scopes: ['accounts:upsert'],
      args: { domain: DOMAIN, name: 'Security Suite Inc' },
      outcome: 'ok',
    },
    upsert_lead: {
      scopes: ['leads:upsert'],
      args: { email: `ada@${DOMAIN}`, domain: DOMAIN },
      outcome: 'ok',
    },
    search_leads: { scopes: ['leads:read'], args: {}, outcome: 'ok' },
    create_task: {
      scopes: ['tasks:create'],
      args: {
        domain: DOMAIN,
        kind: 'manual_research',
        note: 'From the security suite',
        idempotency_key: 'sec-1',
      },
      outcome: 'ok',
    },
    list_tasks: { scopes: ['tasks:read'], args: {}, outcome: 'ok' },
    list_owners: { scopes: ['owners:read'], args: {}, outcome: 'ok' },
    get_accounts: { scopes: ['accounts:read'], args: { items: [{ domain: DOMAIN }] }, outcome: 'ok' },
    upsert_accounts: {
      scopes: ['accounts:upsert'],
      args: { items: [{ domain: DOMAIN, name: 'Security Suite Inc' }] },
      outcome: 'ok',
    },
    upsert_leads: {
      scopes: ['leads:upsert'],
      args: { items: [{ email: `ada@${DOMAIN}`, domain: DOMAIN }] },
      outcome: 'ok',
    },
    create_tasks: {
      scopes: ['tasks:create'],
      args: {
        items: [
          { domain: DOMAIN, kind: 'follow_up', note: 'From the security suite', idempotency_key: 'sec-2' },
        ],
      },
      outcome: 'ok',
    },
  },
  enrichment: {
    get_account_signals: { scopes: ['signals:read'], args: { domain: DOMAIN }, outcome: 'ok' },
    get_accounts_signals: { scopes: ['signals:read'], args: { items: [{ domain: DOMAIN }] }, outcome: 'ok' },
  },
  warehouse: {
    list_accounts: { scopes: ['accounts:read'], args: { limit: 5 }, outcome: 'ok' },
    get_account_usage: { scopes: ['usage:read'], args: { domain: DOMAIN }, outcome: 'ok' },
    get_accounts_usage: { scopes: ['usage:read'], args: { items: [{ domain: DOMAIN }] }, outcome: 'ok' },
    list_named_queries: { scopes: ['queries:read'], args: {}, outcome: 'ok' },
    run_named_query: {
      scopes: ['queries:run'],
      args: { name: 'top_active_accounts', params: { days: 30, limit: 5 } },
      outcome: 'ok',
    },
  },
  outreach: {
    create_outreach_draft: {
      scopes: ['drafts:create'],
      args: {
        lead_email: `ada@${DOMAIN}`,
        domain: DOMAIN,
        subject: 'Hello',
        body: 'From the security suite.',
        idempotency_key: 'sec-1',
      },
      outcome: 'ok',
    },
    create_outreach_drafts: {
      scopes: ['drafts:create'],
      args: {
        items: [
          {
            lead_email: `bob@${DOMAIN}`,
            domain: DOMAIN,
            subject: 'Hello',
            body: 'From the security suite.',
            idempotency_key: 'sec-3',
          },
        ],
      },
      outcome: 'ok',
    },
    get_outreach_draft: {
      scopes: ['drafts:read'],
      args: { id: '00000000-0000-4000-8000-000000000000' },
      outcome: 'not_found',
    },
    list_outreach_drafts: { scopes: ['drafts:read'], args: {}, outcome: 'ok' },
  },
};

const PREFIX: Record<ServerName, string> = {
  crm: 'CRM',
  enrichment: 'ENRICHMENT',
  warehouse: 'WAREHOUSE',
  outreach: 'OUTREACH',
};

/** Whose URL a token for the wrong audience names: another server of the same deployment. */
const NEIGHBOUR: Record<ServerName, ServerName> = {
  crm: 'enrichment',
  enrichment: 'warehouse',
  warehouse: 'outreach',
  outreach: 'crm',
};

const scopesOf = (server: ServerName): string[] => [
  ...new Set(Object.values(TOOLS[server]).flatMap((spec) => spec.scopes)),
];

/**
 * Each is otherwise valid (issuer, audience, scopes, times), so only the named defect can refuse it;
 * the pattern matches the reason the server gives, so no case passes by failing for another reason.
 */
const BAD_TOKENS: [string, RegExp, (claims: Claims, neighbour: string) => Promise<string> | string][] = [
  ['an expired token', /expired/, (claims) => mint.sign({ ...claims, exp: inSeconds(-120) })],
  [
    'a token valid only in 120 s (beyond the 30 s skew)',
    /not valid yet/,
    (claims) => mint.sign({ ...claims, nbf: inSeconds(120) }),
  ],
  [
    'a token from another issuer',
    /issuer/,
    (claims) => mint.sign({ ...claims, iss: 'https://evil-issuer.test' }),
  ],
  [
    "a token for another server's URL",
    /another resource/,
    (claims, neighbour) => mint.sign({ ...claims, aud: neighbour }),
  ],
  ['a token signed by another key under the same kid', /signature/, (claims) => mint.forge(claims)],
  ['an unsigned token (alg none)', /algorithm/, (claims) => mint.unsigned(claims)],
  [
    'an HS256 token keyed with the public key (algorithm confusion)',
    /algorithm/,
    (claims) => mint.confused(claims),
  ],
];

const REBINDING: [string, { host?: string; origin?: string }][] = [
  ['Host', { host: 'evil.example' }],
  ['Origin', { origin: 'http://evil.example' }],
];

/** Servers whose vendor refuses the canary they hold, so an upstream auth failure runs through error mapping. */
const REFUSED = [
  {
    label: 'crm-refused',
    server: 'crm',
    tool: 'get_account',
    scope: 'accounts:read',
    message: /HubSpot refused the CRM server’s credential/,
  },
  {
    label: 'enrichment-refused',
    server: 'enrichment',
    tool: 'get_account_signals',
    scope: 'signals:read',
    message: /refused this server's API key/,
  },
] as const;
type Label = ServerName | (typeof REFUSED)[number]['label'];

// Set up in beforeAll; the tables above are static so vitest can name every case before it runs.
const canary = `canary-${randomBytes(24).toString('hex')}`;
const wire = new Wire();
let mint: TokenMint;
let home: string;
/** The vendors: for crm and enrichment, one accepting the canary and one refusing it. */
let sims: {
  crm: CrmSimulator;
  enrichment: EnrichmentSimulator;
  'crm-refused': CrmSimulator;
  'enrichment-refused': EnrichmentSimulator;
};
let servers: Record<Label, ServerProcess>;
let dropDatabases: () => Promise<void> = async () => {};

beforeAll(async () => {
  mint = await TokenMint.create();
  home = await mkdtemp(join(tmpdir(), 'tollgate-security-'));
  const jwksFile = join(home, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(mint.jwks));
  const [crm, enrichment, crmRefused, enrichmentRefused] = await Promise.all([
    startCrmSimulator({ token: canary, indexingLagMs: 0 }),
    startEnrichmentSimulator({ apiKey: canary, companyCount: 50 }),
    // These accept only their default credential, so the canary the servers hold is refused.
    startCrmSimulator({ indexingLagMs: 0 }),
    startEnrichmentSimulator({ companyCount: 50 }),
  ]);
  sims = { crm, enrichment, 'crm-refused': crmRefused, 'enrichment-refused': enrichmentRefused };
  const labels: Label[] = [...SERVERS, ...REFUSED.map((variant) => variant.label)];
  const databases = await serverDatabases(labels);
  const upstream: Record<Label, Record<string, string>> = {
    crm: { CRM_ADAPTER: 'hubspot', CRM_HUBSPOT_URL: crm.url.href, CRM_HUBSPOT_TOKEN: canary },
    enrichment: { ENRICHMENT_VENDOR_URL: enrichment.url.href, ENRICHMENT_API_KEY: canary },
    warehouse: { WAREHOUSE_DEMO_ACCOUNTS: '20' },
    outreach: {},
    'crm-refused': {
      CRM_ADAPTER: 'hubspot',
      CRM_HUBSPOT_URL: crmRefused.url.href,
      CRM_HUBSPOT_TOKEN: canary,
    },
    'enrichment-refused': { ENRICHMENT_VENDOR_URL: enrichmentRefused.url.href, ENRICHMENT_API_KEY: canary },
  };
  const start = async (label: Label) => {
    const server = REFUSED.find((variant) => variant.label === label)?.server ?? (label as ServerName);
    const dir = join(home, label);
    await mkdir(dir);
    // The run's initialised PGlite, where openDatabase looks for one: no child spends seconds in initdb.
    await copyFile(inject('pgliteSnapshot'), join(dir, '.pglite-empty.tar'));
    const prefix = PREFIX[server];
    const database = databases.urls[label];
    return startServerProcess(server, label, {
      PATH: process.env.PATH ?? '',
      TOLLGATE_HOME: dir,
      // Everything the servers can log, so a secret in any log line is caught.
      TOLLGATE_LOG_LEVEL: 'trace',
      [`${prefix}_AUTH_ISSUER`]: ISSUER,
      [`${prefix}_AUTH_JWKS_FILE`]: jwksFile,
      ...(database === undefined ? {} : { [`${prefix}_DATABASE_URL`]: database }),
      ...upstream[label],
    });
  };
  const started = await Promise.all(labels.map(start));
  servers = Object.fromEntries(labels.map((label, i) => [label, started[i]])) as Record<Label, ServerProcess>;
  dropDatabases = databases.drop;
}, 150_000);

afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
  await Promise.all(Object.values(sims ?? {}).map((sim) => sim.close()));
  await dropDatabases();
  if (home) await rm(home, { recursive: true, force: true });
});

/**
 * A database per server on the test run's Postgres server, with the canary as the password (trust
 * auth ignores it; the server still holds it as its secret). The warehouse's gets the demo data,
 * since a server never migrates a real warehouse. Without a Postgres server, or when its URL carries
 * a password of its own, every server keeps its embedded store and no canary.
 */
async function serverDatabases(labels: readonly Label[]) {
  const serverUrl = inject('postgresUrl');
  const urls: Partial<Record<Label, string>> = {};
  if (!serverUrl || new URL(serverUrl).password !== '') return { urls, drop: async () => {} };
  const run = randomBytes(4).toString('hex');
  const name = (label: string) => `tollgate_security_${run}_${label.replace(/\W/g, '_')}`;
  const admin = await openPostgres({ url: serverUrl, maxConnections: 1 });
  try {
    for (const label of labels) await admin.query(`CREATE DATABASE ${name(label)}`);
  } finally {
    await admin.close();
  }
  for (const label of labels) {
    const url = new URL(serverUrl);
    url.pathname = `/${name(label)}`;
    url.password = canary;
    urls[label] = url.href;
  }
  const warehouse = urls.warehouse;
  if (warehouse !== undefined) {
    const db = await openPostgres({ url: warehouse, maxConnections: 1 });
    try {
      await migrate(db, 'warehouse_demo', demoWarehouseMigrations);
      await seedDemoWarehouse(db, { accounts: 20 });
    } finally {
      await db.close();
    }
  }
  const drop = async () => {
    const cleanup = await openPostgres({ url: serverUrl, maxConnections: 1 });
    try {
      for (const label of labels) await cleanup.query(`DROP DATABASE IF EXISTS ${name(label)} WITH (FORCE)`);
    } finally {
      await cleanup.close();
    }
  };
  return { urls, drop };
}

const token = (server: ServerName, scopes: readonly string[]) =>
  mint.sign({ aud: servers[server].url, scope: scopes.join(' ') });

const callTool = (server: ServerName, tool: string, options: Parameters<Wire['rpc']>[3] = {}) =>
  wire.rpc(
    servers[server].url,
    'tools/call',
    { name: tool, arguments: TOOLS[server][tool]?.args ?? {} },
    options,
  );

async function listedTools(server: ServerName, scopes: readonly string[]): Promise<string[]> {
  const answer = await wire.rpc(
    servers[server].url,
    'tools/list',
    {},
    { token: await token(server, scopes) },
  );
  expect(answer.status, answer.text).toBe(200);
  return (rpcAnswer(answer).result?.tools ?? []).map((tool) => tool.name).sort();
}

/** Sends a call that must be refused, and checks it reached no vendor. */
async function refused(send: () => Promise<Answer>): Promise<Answer> {
  const traffic = () => Object.values(sims).reduce((sum, sim) => sum + sim.stats().requests, 0);
  const before = traffic();
  const answer = await send();
  expect(traffic(), 'a refused call reached a vendor').toBe(before);
  return answer;
}

/** A 401 challenge whose resource_metadata answers the RFC 9728 document for this server. */
async function expectChallenge(server: ServerName, answer: Answer, error: 'invalid_token' | undefined) {
  expect(answer.status, answer.text).toBe(401);
  const params = challenge(answer.headers.get('www-authenticate'));
  expect(params.scheme).toBe('Bearer');
  expect(params.error).toBe(error);
  const metadata = await wire.get(params.resource_metadata as string);
  expect(metadata.status).toBe(200);
  expect(JSON.parse(metadata.text)).toMatchObject({
    resource: servers[server].url,
    authorization_servers: [ISSUER],
  });
}

// In file order, one test at a time: the secrets check at the end must see every request finished.
describe.sequential('tollgate serve --http, every server and every tool', () => {
  describe.each(SERVERS)('%s', (server) => {
    it('lists exactly the expected tools to a token with every scope, and publishes their scopes', async () => {
      expect(await listedTools(server, scopesOf(server))).toEqual(Object.keys(TOOLS[server]).sort());
      const metadata = await wire.get(
        new URL(
          `/.well-known/oauth-protected-resource${new URL(servers[server].url).pathname}`,
          servers[server].url,
        ).href,
      );
      const document = JSON.parse(metadata.text) as { scopes_supported: string[] };
      expect({ ...document, scopes_supported: document.scopes_supported.sort() }).toEqual({
        resource: servers[server].url,
        authorization_servers: [ISSUER],
        scopes_supported: scopesOf(server).sort(),
        bearer_methods_supported: ['header'],
      });
    });

    describe.each(Object.keys(TOOLS[server]))('%s', (tool) => {
      const spec = TOOLS[server][tool] as ToolSpec;
      const claims = () => ({ aud: servers[server].url, scope: scopesOf(server).join(' ') });

      it('answers 401 with a challenge pointing at the metadata when no token is sent', async () => {
        const answer = await refused(() => callTool(server, tool));
        await expectChallenge(server, answer, undefined);
      });

      it.each(BAD_TOKENS)('answers 401 invalid_token to %s', async (_name, reason, make) => {
        const bad = await make(claims(), servers[NEIGHBOUR[server]].url);
        const answer = await refused(() => callTool(server, tool, { token: bad }));
        await expectChallenge(server, answer, 'invalid_token');
        expect(challenge(answer.headers.get('www-authenticate')).error_description).toMatch(reason);
      });

      it.each(spec.scopes)(
        'answers 403 insufficient_scope naming %s when the token lacks it, and lists the tool no more',
        async (scope) => {
          const others = scopesOf(server).filter((each) => each !== scope);
          const answer = await refused(async () =>
            callTool(server, tool, { token: await token(server, others) }),
          );
          expect(answer.status, answer.text).toBe(403);
          const params = challenge(answer.headers.get('www-authenticate'));
          expect(params.error).toBe('insufficient_scope');
          expect(params.scope?.split(' ').sort()).toEqual([...spec.scopes].sort());
          expect(params.scope?.split(' ')).toContain(scope);
          expect(await listedTools(server, others)).not.toContain(tool);
        },
      );

      it("runs for a token holding exactly the tool's scopes", async () => {
        const answer = await callTool(server, tool, { token: await token(server, spec.scopes) });
        expect(answer.status, answer.text).toBe(200);
        const { result, error } = rpcAnswer(answer);
        expect(error, answer.text).toBeUndefined();
        if (spec.outcome === 'ok') {
          expect(result?.isError, answer.text).toBeFalsy();
          expect(result?.structuredContent, answer.text).toBeDefined();
        } else {
          expect(result?.isError, answer.text).toBe(true);
          expect(result?.structuredContent?.error?.code, answer.text).toBe(spec.outcome);
        }
      });

      it.each(REBINDING)('refuses a foreign %s with 403, even with a valid token', async (_name, header) => {
        const valid = await token(server, spec.scopes);
        const answer = await refused(() => callTool(server, tool, { token: valid, ...header }));
        expect(answer.status, answer.text).toBe(403);
      });
    });
  });

  describe('a server credential the vendor refuses', () => {
    it.each(REFUSED)(
      '$label: becomes a tool error, not an HTTP 401 that would send the caller to re-authenticate',
      async ({ label, tool, scope, message }) => {
        const url = servers[label].url;
        const valid = await mint.sign({ aud: url, scope });
        const args = { domain: DOMAIN };
        const answer = await wire.rpc(url, 'tools/call', { name: tool, arguments: args }, { token: valid });
        expect(answer.status, answer.text).toBe(200);
        const { result } = rpcAnswer(answer);
        expect(result?.isError, answer.text).toBe(true);
        expect(result?.structuredContent?.error).toMatchObject({ code: 'internal', retryable: false });
        expect(result?.structuredContent?.error?.message).toMatch(message);
        expect(sims[label].stats().byStatus).toEqual({ 401: 1 });
      },
    );
  });

  describe("the caller's token never travels upstream", () => {
    const UPSTREAMS = [
      ['HubSpot', 'crm', 'authorization', `Bearer ${canary}`],
      ['HubSpot', 'crm-refused', 'authorization', `Bearer ${canary}`],
      ['the enrichment vendor', 'enrichment', 'x-api-key', canary],
      ['the enrichment vendor', 'enrichment-refused', 'x-api-key', canary],
    ] as const;

    it.each(UPSTREAMS)(
      "%s of %s received the server's own credential in %s, and nothing else",
      (_vendor, label, carrier, value) => {
        const presented = sims[label].credentials();
        const callers = presented.filter((credential) =>
          [...mint.issued].some((issued) => credential.value.includes(issued)),
        );
        expect(callers, "a caller's token reached the vendor").toEqual([]);
        expect(presented).toEqual([{ carrier, value, requests: expect.any(Number) }]);
        expect(presented[0]?.requests).toBeGreaterThan(0);
      },
    );
  });

  describe('secrets in what the servers said (runs last)', () => {
    it('never shows the canary or a bearer token in any answer, header or line a server wrote', async () => {
      expect(wire.inFlight, 'requests still running: this check must run last').toBe(0);
      // Stopped first, so everything they buffered is written and read.
      const all = Object.values(servers);
      await Promise.all(all.map((server) => server.stop()));
      const secrets = [canary, ...mint.issued];
      // A token written in pieces escapes a search for the whole; its signature is unique to it.
      for (const issued of mint.issued) {
        const signature = issued.split('.')[2];
        if (signature) secrets.push(signature);
      }
      const leaks = (text: string) =>
        text.split('\n').filter((line) => secrets.some((secret) => line.includes(secret)));
      for (const server of all) {
        expect(server.output(), `${server.label} wrote no call record`).toContain('"event":"tool_call"');
        expect(leaks(server.output()), `${server.label} wrote a secret`).toEqual([]);
      }
      expect(wire.answers.length).toBeGreaterThan(100);
      expect(leaks(wire.transcript()), 'an HTTP answer carried a secret').toEqual([]);
    });
  });
});
