import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyToolContract, ToolArguments, ToolValue } from '@tollgate/core/client';
import { crmContract } from '@tollgate/crm/contract';
import { outreachContract } from '@tollgate/outreach/contract';
import {
  type CrmSimulator,
  type CrmSimulatorOptions,
  type EnrichmentSimulator,
  type EnrichmentSimulatorOptions,
  startCrmSimulator,
  startEnrichmentSimulator,
} from '@tollgate/simulators';
import { expect } from 'vitest';
import type * as z from 'zod';
import type { RunReport, ServerName } from '../src/report/types.ts';
import { readRunReport } from '../src/report/writeReport.ts';
import { ServerConnection } from '../src/servers/ServerConnection.ts';
import { childEnv } from '../src/servers/serverSpecs.ts';
import { fastNightlyConfig } from '../src/testing.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/tollgate.js', import.meta.url));

export interface ChaosWorld {
  home: string;
  env: NodeJS.ProcessEnv;
  crm: CrmSimulator;
  enrichment: EnrichmentSimulator;
  configPath: string;
  close(): Promise<void>;
}

/**
 * A small world for chaos tests: vendor simulators in this process, and `tollgate run nightly`
 * as a real child process (with the four servers as its own children), so a kill -9 is a real crash.
 */
export async function createWorld(
  options: {
    accounts?: number;
    crm?: CrmSimulatorOptions;
    enrichment?: EnrichmentSimulatorOptions;
    env?: Record<string, string>;
    home?: string;
  } = {},
): Promise<ChaosWorld> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'tollgate-chaos-')));
  const accounts = options.accounts ?? 40;
  const enrichment = await startEnrichmentSimulator({
    companyCount: accounts,
    rateLimit: { limit: 200, windowMs: 1000 },
    ...options.enrichment,
  });
  const crm = await startCrmSimulator({
    rateLimit: { max: 400, intervalMs: 1000 },
    searchRateLimit: { max: 200, intervalMs: 1000 },
    indexingLagMs: 0,
    ...options.crm,
  });
  // Fast pacing and short backoffs: the worlds are small and their limits generous.
  const config = fastNightlyConfig();
  const configPath = join(home, 'nightly.json');
  await writeFile(configPath, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOLLGATE_HOME: home,
    TOLLGATE_LOG_LEVEL: 'warn',
    CRM_ADAPTER: 'hubspot',
    CRM_HUBSPOT_URL: crm.url.origin,
    CRM_HUBSPOT_TOKEN: crm.token,
    ENRICHMENT_VENDOR_URL: enrichment.url.origin,
    ENRICHMENT_API_KEY: enrichment.apiKey,
    ENRICHMENT_TIMEOUT_MS: '1500',
    WAREHOUSE_DEMO_ACCOUNTS: String(accounts),
    ...options.env,
  };
  return {
    home,
    env,
    crm,
    enrichment,
    configPath,
    close: async () => {
      await Promise.all([crm.close(), enrichment.close()]);
      if (options.home === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  killAfterMs?: number;
  onStart?: (child: ChildProcess) => void;
  /** Arguments after `run nightly --run-key <key> --config <file>` (or in their place: see `args`). */
  extraArgs?: string[];
  /** The whole command line after the program, instead of `run nightly …`. */
  args?: string[];
  /** Added to the world's environment for this run. */
  env?: Record<string, string>;
  /** Run as this user (a test running as root sees every directory writable). */
  user?: { uid: number; gid: number };
  /** Called with each chunk of stderr as it comes. */
  onStderr?: (text: string) => void;
}

/**
 * Runs `tollgate run nightly` in its own process group, with `--run-key` unless `runKey` is undefined.
 * With `killAfterMs`, the whole group (the job and its server children) is killed with SIGKILL at
 * that moment: nothing gets to clean up.
 */
export function runNightlyProcess(
  world: ChaosWorld,
  runKey: string | undefined,
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const args = options.args ?? [
      'run',
      'nightly',
      ...(runKey === undefined ? [] : ['--run-key', runKey]),
      '--config',
      world.configPath,
      ...(options.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...world.env, ...options.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + String(chunk)).slice(-20_000);
      options.onStderr?.(String(chunk));
    });
    options.onStart?.(child);
    let timer: NodeJS.Timeout | undefined;
    if (options.killAfterMs !== undefined) {
      timer = setTimeout(() => killGroup(child), options.killAfterMs);
    }
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Pids of the server processes of one world, found by their environment (Linux /proc). */
export function serverPids(world: ChaosWorld, server: ServerName): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!(cmdline.includes('serve') && cmdline.includes(server))) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`TOLLGATE_HOME=${world.home}`)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The report of a run, from `$TOLLGATE_HOME/reports` unless the run was given another directory. */
export async function report(world: ChaosWorld, runKey: string, dir?: string): Promise<RunReport> {
  return readRunReport(dir ?? join(world.home, 'reports'), runKey);
}

/** A list tool: it takes `limit` and `cursor`, and answers a page with `next_cursor`. */
type ListTool = AnyToolContract & { output: z.ZodObject<{ next_cursor: z.ZodNullable<z.ZodString> }> };

/** Pages through a list tool of a server, started as its own stdio child, and returns every item. */
export async function listAll<C extends ListTool, F extends keyof ToolValue<C> & string>(
  world: ChaosWorld,
  server: ServerName,
  tool: C,
  field: F,
): Promise<ToolValue<C>[F]> {
  const connection = new ServerConnection(server, {
    kind: 'stdio',
    command: process.execPath,
    args: [BIN, 'serve', server],
    env: childEnv(server, world.env),
  });
  const items: unknown[] = [];
  try {
    let cursor: string | undefined;
    do {
      // Every list tool takes these two (its other inputs have defaults).
      const args = { limit: 100, ...(cursor ? { cursor } : {}) } as unknown as ToolArguments<C>;
      let page = await connection.call(tool, args, { attempt: 1 });
      // Reading back is a client like any other: it waits out rate limits instead of failing on them.
      for (let attempt = 2; !page.ok && page.error.retryable && attempt <= 10; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, page.ok ? 0 : (page.error.retry_after_ms ?? 500)));
        page = await connection.call(tool, args, { attempt });
      }
      if (!page.ok) throw new Error(`${server}.${tool.name}: ${page.error.code} ${page.error.message}`);
      items.push(...(page.value[field] as unknown[]));
      cursor = page.value.next_cursor ?? undefined;
    } while (cursor);
  } finally {
    await connection.close();
  }
  return items as ToolValue<C>[F];
}

function duplicates(values: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return values.filter((value) => {
    if (seen.has(value)) return true;
    seen.add(value);
    return false;
  });
}

/** Duplicates as the servers' own read tools show them: drafts and tasks per account, leads per email. */
export async function countDuplicates(world: ChaosWorld) {
  const drafts = await listAll(world, 'outreach', outreachContract.list_outreach_drafts, 'drafts');
  const tasks = await listAll(world, 'crm', crmContract.list_tasks, 'tasks');
  const leads = await listAll(world, 'crm', crmContract.search_leads, 'leads');
  return {
    drafts: drafts.length,
    tasks: tasks.length,
    leads: leads.length,
    duplicateDrafts: duplicates(drafts.map((draft) => draft.domain)),
    duplicateTasks: duplicates(tasks.map((task) => `${task.domain}:${task.kind}`)),
    duplicateLeads: duplicates(leads.map((lead) => lead.email)),
  };
}

/** After any chaos: every account ended processed or routed, and nothing exists twice. */
export async function expectCleanFinish(
  world: ChaosWorld,
  runKey: string,
  accounts: number,
  reportDir?: string,
) {
  const final = await report(world, runKey, reportDir);
  expect(final.summary.accounts.total).toBe(accounts);
  expect(
    final.accounts.filter((account) => account.status !== 'done' && account.status !== 'routed'),
  ).toEqual([]);
  const counts = await countDuplicates(world);
  expect(counts.duplicateDrafts).toEqual([]);
  expect(counts.duplicateTasks).toEqual([]);
  expect(counts.duplicateLeads).toEqual([]);
  expect(world.crm.stats().duplicates).toEqual({
    companies: { domain: 0, tollgate_domain: 0 },
    contacts: { email: 0 },
    tasks: { tollgate_key: 0 },
  });
  // The ledger and the servers agree: one draft per drafted account, one task per routed one.
  expect(counts.drafts).toBe(final.accounts.filter((account) => account.action === 'draft').length);
  expect(counts.tasks).toBe(final.accounts.filter((account) => account.action === 'research_task').length);
  return final;
}
