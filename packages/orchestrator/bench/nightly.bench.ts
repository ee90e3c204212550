/**
 * The nightly job against rate-limited, faulty vendor simulators, next to a naive `Promise.all`
 * baseline on a fresh pair of simulators with the same limits and faults. One run per side: these
 * runs are long, so the figures are single measurements, not medians.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { outreachContract } from '@tollgate/outreach/contract';
import {
  type CrmSimulatorOptions,
  type EnrichmentSimulatorOptions,
  startCrmSimulator,
  startEnrichmentSimulator,
  type TrafficStats,
} from '@tollgate/simulators';
import { DEFAULT_NIGHTLY_CONFIG_PATH } from '../src/job/nightlyConfig.ts';
import { createWorld, listAll, report, runNightlyProcess } from '../test/chaosHarness.ts';
import { runNaive } from './naive.ts';

/** CRM: HubSpot-style ROLLING window, 200 requests per 5 s (40/s). */
const CRM_LIMIT = { max: 200, intervalMs: 5000 };
/** Enrichment: PDL-style FIXED window aligned to simulator start, 20 per 1 s. */
const ENRICHMENT_LIMIT = { limit: 20, windowMs: 1000 };
const CRM_PER_S = CRM_LIMIT.max / (CRM_LIMIT.intervalMs / 1000);
const ENRICHMENT_PER_S = ENRICHMENT_LIMIT.limit / (ENRICHMENT_LIMIT.windowMs / 1000);

const CRM_OPTIONS: CrmSimulatorOptions = {
  rateLimit: CRM_LIMIT,
  searchRateLimit: { max: 5, intervalMs: 1000 },
  indexingLagMs: { minMs: 100, maxMs: 500 },
  faults: { errors: { server_error: 0.06, lock: 0.02, rate_limit: 0.02 }, lostResponse: 0.02 },
};
const ENRICHMENT_OPTIONS: EnrichmentSimulatorOptions = {
  rateLimit: ENRICHMENT_LIMIT,
  faults: { errors: { server_error: 0.08, rate_limit: 0.02 } },
};

export interface NightlyRow {
  side: 'tollgate' | 'naive';
  accounts: number;
  /** Accounts not finished well (tollgate: skipped + pending; naive: any step failed after retries). */
  unfinished: number;
  wallS: number;
  /** tollgate only: summary.duration_ms, which includes spawning and connecting the four servers. */
  durationS: number | null;
  floorS: number;
  ratio: number;
  /** tollgate only: the floor from the report's summary.calls (MCP calls, retries included). */
  floorCallsS: number | null;
  /**
   * The fewest requests the vendors' batch caps (100 a request) allow for this run's work, over
   * their limits: the floor a batch job can reach. The same work for both sides.
   */
  batchFloorS: number;
  upstreamCalls: number;
  /** CRM requests alone (HubSpot's daily quota counts these). */
  crmRequests: number;
  /** Every 429 over every request: the limiter's and the injected ones. */
  share429: number;
  /** The vendors' limiter's own 429s over every request: what pacing is answerable for. */
  limiter429: number;
  dupCompanies: number;
  dupContacts: number;
  dupTasks: number;
  /** tollgate only: outreach drafts repeated per domain, from the outreach server's own list. */
  dupDrafts: number | null;
  peakRssMb: number | null;
}

/** 429s the vendor's limiter gave (not the injected ones). */
function limiter429s(stats: TrafficStats): number {
  return stats.rateLimited - stats.injected.rate_limit;
}

/** Requests the vendor's limiter counted: everything except its own 429s, injected faults, hangs and outages. */
function admitted(stats: TrafficStats): number {
  const injected = Object.values(stats.injected).reduce((a, b) => a + b, 0);
  return stats.requests - injected - limiter429s(stats) - stats.hangs - stats.outages;
}

/** The least time the limits allow for the upstream work the run actually needed. */
function floorSeconds(crm: TrafficStats, enrichment: TrafficStats): number {
  return Math.max(admitted(crm) / CRM_PER_S, admitted(enrichment) / ENRICHMENT_PER_S);
}

/** HubSpot's and People Data Labs' cap on records per batch request. */
const BATCH_CAP = 100;

/**
 * The least time the limits allow for the run's work in batches: per 100 accounts one CRM read and
 * one company upsert, per 100 leads one contact upsert, per 100 research tasks one create, and per
 * 100 accounts one bulk enrichment.
 */
function batchFloorSeconds(work: { accounts: number; leads: number; tasks: number }): number {
  const requests = (n: number) => Math.ceil(n / BATCH_CAP);
  const crm = 2 * requests(work.accounts) + requests(work.leads) + requests(work.tasks);
  return Math.max(crm / CRM_PER_S, requests(work.accounts) / ENRICHMENT_PER_S);
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** Companies are counted by both `domain` and `tollgate_domain`; the larger is the number of repeats. */
function maxValue(record: Record<string, number>): number {
  return Math.max(0, ...Object.values(record));
}

function vmHwmKb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function runTollgate(accounts: number): Promise<NightlyRow> {
  const world = await createWorld({
    accounts,
    crm: CRM_OPTIONS,
    enrichment: ENRICHMENT_OPTIONS,
    env: { CRM_HUBSPOT_TIMEOUT_MS: '1500', ENRICHMENT_TIMEOUT_MS: '1500', TOLLGATE_LOG_LEVEL: 'error' },
  });
  try {
    // The shipped config with pacing just under each limit. Client tokens in any limit window
    // (burst + rate × window) stay within the vendor's count for that window.
    const config = JSON.parse(readFileSync(DEFAULT_NIGHTLY_CONFIG_PATH, 'utf8'));
    config.concurrency = 32;
    Object.assign(config.servers.crm, {
      concurrency: 16,
      ratePerSecond: 39.2, // 2 + 39.2 × 5 s = 198 ≤ 200 per rolling 5 s
      burst: 2,
      backoffBaseMs: 200,
      backoffCapMs: 2000,
      callTimeoutMs: 8000,
    });
    Object.assign(config.servers.enrichment, {
      concurrency: 8,
      ratePerSecond: 19, // 1 + 19 × 1 s = 20 ≤ 20 per fixed 1 s window
      burst: 1,
      backoffBaseMs: 200,
      backoffCapMs: 2000,
      callTimeoutMs: 8000,
    });
    writeFileSync(world.configPath, JSON.stringify(config));

    const runKey = `bench-${accounts}`;
    let pid: number | undefined;
    let peakKb = 0;
    let firstUpstreamAt: number | undefined;
    const sampler = setInterval(() => {
      if (pid !== undefined) peakKb = Math.max(peakKb, vmHwmKb(pid) ?? 0);
      if (
        firstUpstreamAt === undefined &&
        world.crm.stats().requests + world.enrichment.stats().requests > 0
      ) {
        firstUpstreamAt = Date.now();
      }
    }, 50);
    let result: Awaited<ReturnType<typeof runNightlyProcess>>;
    try {
      result = await runNightlyProcess(world, runKey, {
        onStart: (child) => {
          pid = child.pid;
        },
      });
    } finally {
      clearInterval(sampler);
    }
    // 3 means "incomplete": some accounts are pending for the next run. That is a result to report
    // (the unfinished column), not a failure of the benchmark.
    if (result.code !== 0 && result.code !== 3) {
      throw new Error(
        `tollgate run nightly exited ${result.code ?? result.signal}: ${result.stderr.slice(-2000)}`,
      );
    }
    const run = await report(world, runKey);
    // TOLLGATE_BENCH_DEBUG=1 prints each unfinished account's steps: which call gave up, and why.
    if (process.env.TOLLGATE_BENCH_DEBUG) {
      for (const account of run.accounts.filter((a) => a.status === 'pending' || a.status === 'skipped')) {
        console.error(JSON.stringify(account));
      }
    }
    const s = run.summary;
    const finishedAt = Date.parse(s.finished_at);
    const wallMs = finishedAt - (firstUpstreamAt ?? Date.parse(s.started_at));
    const crm = world.crm.stats();
    const enrichment = world.enrichment.stats();
    const floorS = floorSeconds(crm, enrichment);
    const batchFloorS = batchFloorSeconds({
      accounts,
      leads: run.accounts.filter((account) => account.steps.upsert_lead !== undefined).length,
      tasks: run.accounts.filter((account) => account.steps.research_task !== undefined).length,
    });
    const floorCallsS = Math.max(
      (s.calls.crm?.calls ?? 0) / CRM_PER_S,
      (s.calls.enrichment?.calls ?? 0) / ENRICHMENT_PER_S,
    );
    // Companies, contacts and tasks are counted by the CRM simulator itself; drafts are read back
    // from the outreach server, whose store holds them.
    const drafts = await listAll(world, 'outreach', outreachContract.list_outreach_drafts, 'drafts');
    const draftsPerDomain = new Map<string, number>();
    for (const draft of drafts)
      draftsPerDomain.set(draft.domain, (draftsPerDomain.get(draft.domain) ?? 0) + 1);
    const upstream = crm.requests + enrichment.requests;
    return {
      side: 'tollgate',
      accounts,
      unfinished: s.accounts.skipped + s.accounts.pending,
      wallS: wallMs / 1000,
      durationS: s.duration_ms / 1000,
      floorS,
      ratio: wallMs / 1000 / floorS,
      floorCallsS,
      batchFloorS,
      upstreamCalls: upstream,
      crmRequests: crm.requests,
      share429: (crm.rateLimited + enrichment.rateLimited) / upstream,
      limiter429: (limiter429s(crm) + limiter429s(enrichment)) / upstream,
      dupCompanies: maxValue(crm.duplicates.companies ?? {}),
      dupContacts: sumValues(crm.duplicates.contacts ?? {}),
      dupTasks: sumValues(crm.duplicates.tasks ?? {}),
      dupDrafts: [...draftsPerDomain.values()].reduce((repeats, n) => repeats + n - 1, 0),
      peakRssMb: peakKb > 0 ? peakKb / 1024 : null,
    };
  } finally {
    await world.close();
  }
}

async function runNaiveSide(accounts: number): Promise<NightlyRow> {
  const [crmSim, enrichmentSim] = await Promise.all([
    startCrmSimulator(CRM_OPTIONS),
    startEnrichmentSimulator({ ...ENRICHMENT_OPTIONS, companyCount: accounts }),
  ]);
  try {
    const before = process.resourceUsage().maxRSS;
    const result = await runNaive(
      {
        crmUrl: crmSim.url,
        crmToken: crmSim.token,
        enrichmentUrl: enrichmentSim.url,
        enrichmentApiKey: enrichmentSim.apiKey,
      },
      accounts,
    );
    const after = process.resourceUsage().maxRSS;
    const crm = crmSim.stats();
    const enrichment = enrichmentSim.stats();
    const floorS = floorSeconds(crm, enrichment);
    const upstream = crm.requests + enrichment.requests;
    return {
      side: 'naive',
      accounts,
      unfinished: result.failed,
      wallS: result.wallMs / 1000,
      durationS: null,
      floorS,
      ratio: result.wallMs / 1000 / floorS,
      floorCallsS: null,
      batchFloorS: 0,
      upstreamCalls: upstream,
      crmRequests: crm.requests,
      share429: (crm.rateLimited + enrichment.rateLimited) / upstream,
      limiter429: (limiter429s(crm) + limiter429s(enrichment)) / upstream,
      dupCompanies: maxValue(crm.duplicates.companies ?? {}),
      dupContacts: sumValues(crm.duplicates.contacts ?? {}),
      dupTasks: sumValues(crm.duplicates.tasks ?? {}),
      dupDrafts: null,
      // The naive client runs inside the bench process (with the simulators): only a growth is meaningful.
      peakRssMb: after > before ? (after - before) / 1024 : null,
    };
  } finally {
    await Promise.all([crmSim.close(), enrichmentSim.close()]);
  }
}

export async function benchNightly(accounts: number): Promise<NightlyRow[]> {
  const tollgate = await runTollgate(accounts);
  const naive = await runNaiveSide(accounts);
  // The same accounts and seed: the same work, so the same batch floor.
  return [tollgate, { ...naive, batchFloorS: tollgate.batchFloorS }];
}

/** HubSpot's Free and Starter plans: requests per day, and per 10 s. */
export const HUBSPOT_FREE = { perDay: 250_000, per10s: 100 };

/**
 * The job alone (no naive side: at one record per request it would need days) on a very large
 * listing, against the same limits and faults: what a night of `accounts` costs the vendors.
 */
export async function benchHuge(accounts: number) {
  const row = await runTollgate(accounts);
  return {
    ...row,
    requestsPerAccount: row.upstreamCalls / accounts,
    /** The share of HubSpot Free's daily quota the run's CRM requests would use. */
    dailyQuotaShare: row.crmRequests / HUBSPOT_FREE.perDay,
    /** How long the same CRM requests take at HubSpot Free's own limit (100 per 10 s). */
    atFreeLimitS: row.crmRequests / (HUBSPOT_FREE.per10s / 10),
  };
}

export const NIGHTLY_LIMITS = {
  crm: `rolling ${CRM_LIMIT.max}/${CRM_LIMIT.intervalMs} ms (${CRM_PER_S}/s)`,
  enrichment: `fixed ${ENRICHMENT_LIMIT.limit}/${ENRICHMENT_LIMIT.windowMs} ms (${ENRICHMENT_PER_S}/s)`,
};
