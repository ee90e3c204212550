import type { ToolValue } from '@tollgate/core/client';
import type { getAccountSignals } from '@tollgate/enrichment/contract';
import type { getAccountUsage } from '@tollgate/warehouse/contract';
import type { GuardedOutcome, ItemOutcome } from '../policies/GuardedServer.ts';
import type { AccountOutcome, StepName, StepRecord } from '../report/types.ts';
import { score } from '../scoring/score.ts';
import type { ScoreResult, ScoringInput } from '../scoring/types.ts';
import type { CallError } from '../servers/ServerConnection.ts';
import { draftEmail } from './draftEmail.ts';
import type { JobContext, WarehouseAccount } from './JobContext.ts';
import { idempotencyKey } from './keys.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The most records the vendors take in one batch request (HubSpot, People Data Labs). */
export const PAGE_LIMIT = 100;

/**
 * How far firmographics from our own warehouse are trusted when enrichment could not be asked. They
 * are first-party but sparse; a vendor that answered "not found" keeps confidence 0.
 */
const FIRST_PARTY_CONFIDENCE = 0.6;

type Signals = ToolValue<typeof getAccountSignals>;
type Usage = ToolValue<typeof getAccountUsage>['usage'];
type Step = GuardedOutcome | ItemOutcome | 'skipped';

/** An account's outcome before any step: pending. */
export function pendingOutcome(account: WarehouseAccount): AccountOutcome {
  return {
    domain: account.domain,
    name: account.name,
    status: 'pending',
    action: 'none',
    degraded: false,
    degraded_reason: null,
    fit: null,
    intent: null,
    score: null,
    band: null,
    steps: {},
  };
}

function note(outcome: AccountOutcome, step: StepName, result: Step): StepRecord {
  const record: StepRecord =
    result === 'skipped'
      ? { status: 'skipped', attempts: 0 }
      : result.ok
        ? { status: result.replayed ? 'replayed' : 'ok', attempts: result.attempts }
        : {
            status: 'failed',
            attempts: result.attempts,
            error_code: result.error.code,
            message: result.error.message,
          };
  outcome.steps[step] = record;
  return record;
}

/** A CRM answer that means stop writing to the CRM for the rest of the run. */
function crmQuotaGone(ctx: JobContext, error: CallError): boolean {
  if (error.code !== 'quota_exhausted') return false;
  if (ctx.stopped.crm === null) {
    ctx.stopped.crm = error.message;
    ctx.notices.push(
      `CRM quota exhausted (${error.message}); the remaining accounts are pending. ` +
        'Run the same command again with the same --run-key after the quota resets.',
    );
  }
  return true;
}

/** One account as it moves through its page. */
interface Work {
  account: WarehouseAccount;
  outcome: AccountOutcome;
  signals?: Signals;
  usage?: Usage;
  input?: ScoringInput;
  scored?: ScoreResult;
}

/** A write that failed: terminal ones skip the account, retryable ones and a spent quota leave it pending. */
function failedWrite(ctx: JobContext, work: Work, error: CallError): void {
  if (!crmQuotaGone(ctx, error) && !error.retryable) work.outcome.status = 'skipped';
}

/**
 * A page of accounts (up to 100) through the nightly pipeline, a step at a time for the whole
 * page: one CRM batch read, one bulk enrichment and one usage query at once → scoring → one batch upsert of
 * the accounts → one batch of research tasks (too thin to score) and one batch upsert of the
 * leads → one batch of outreach drafts (score over the threshold). Each item of a batch is answered on
 * its own, so one account's failure stays its own: it is recorded, degraded or left pending, and
 * the others go on. Nothing here throws; every account's steps are checkpointed after its writes.
 */
export async function processPage(
  accounts: readonly WarehouseAccount[],
  ctx: JobContext,
): Promise<AccountOutcome[]> {
  const { crm } = ctx.servers;
  const works: Work[] = accounts.map((account) => ({ account, outcome: pendingOutcome(account) }));
  if (ctx.stopped.crm !== null || works.length === 0) return works.map((work) => work.outcome);

  // The CRM read, the enrichment and the usage query need nothing of each other: one round trip
  // for the three. An account the CRM did not answer is left pending whatever the others said (a
  // re-run finds its signals in the enrichment cache, at no cost).
  const [reads] = await Promise.all([
    crm.callBatch(
      'get_accounts',
      works.map((work) => ({ domain: work.account.domain })),
    ),
    enrich(works, ctx),
    readUsage(works, ctx),
  ]);
  // Without the CRM nothing can be written: an account it did not answer waits for the next run.
  let live = works.filter((work, i) => {
    const read = reads[i] as ItemOutcome;
    note(work.outcome, 'crm_read', read);
    if (!read.ok) crmQuotaGone(ctx, read.error);
    return read.ok;
  });
  if (live.length === 0) return works.map((work) => work.outcome);

  for (const work of live) scoreAccount(work, ctx);

  if (ctx.stopped.crm !== null) return works.map((work) => work.outcome);
  const upserts = await crm.callBatch(
    'upsert_accounts',
    live.map((work) => accountUpsert(work)),
  );
  await Promise.all(
    live.map((work, i) => {
      note(work.outcome, 'upsert_account', upserts[i] as ItemOutcome);
      return ctx.checkpoint(work.outcome);
    }),
  );
  live = live.filter((work, i) => {
    const result = upserts[i] as ItemOutcome;
    if (!result.ok) failedWrite(ctx, work, result.error);
    return result.ok;
  });

  const thin = live.filter((work) => work.scored?.thin === true);
  const scored = live.filter((work) => work.scored?.thin === false);
  await Promise.all([research(thin, ctx), leads(scored, ctx)]);

  // An account with a contact goes on only once its lead is written: a lead that failed, or that
  // was never sent (the CRM stopped for the run meanwhile), leaves the account as it is.
  const written = (work: Work) => ['ok', 'replayed'].includes(work.outcome.steps.upsert_lead?.status ?? '');
  const drafts = scored.filter((work) => work.account.contact_email === null || written(work));
  await draft(drafts, ctx);
  return works.map((work) => work.outcome);
}

/**
 * One batch of outreach drafts for the accounts that scored over the threshold and have a contact,
 * each with its own key; the other accounts are done.
 */
async function draft(works: Work[], ctx: JobContext): Promise<void> {
  const due = works.filter(
    (work) =>
      (work.scored as ScoreResult).score >= ctx.draftMinScore &&
      work.account.contact_email !== null &&
      work.input !== undefined,
  );
  for (const work of works) if (!due.includes(work)) work.outcome.status = 'done';
  if (due.length === 0) return;
  const results = await ctx.servers.outreach.callBatch(
    'create_outreach_drafts',
    due.map((work) => {
      const { account } = work;
      const input = work.input as ScoringInput;
      const email = draftEmail(account, {
        industry: input.firmographics.industry,
        employee_count: input.firmographics.employee_count,
        active_users: input.usage?.active_users ?? null,
        demo_requests: input.usage?.demo_requests ?? null,
      });
      return {
        lead_email: account.contact_email as string,
        domain: account.domain,
        subject: email.subject,
        body: email.body,
        // One sequence for every night: the outreach server keeps one draft per lead and sequence
        // within its window, so a re-run under another run key drafts nobody twice.
        sequence: 'nightly',
        idempotency_key: idempotencyKey(ctx.runKey, account.domain, 'draft'),
      };
    }),
  );
  due.forEach((work, i) => {
    const result = results[i] as ItemOutcome;
    note(work.outcome, 'draft', result);
    // A retryable failure leaves the account pending, so the next run drafts it (once: same key).
    if (!result.ok && result.error.retryable) return;
    if (result.ok) work.outcome.action = 'draft';
    work.outcome.status = 'done';
  });
}

/** The page's product usage in one query; an account without it is scored on the rest. */
async function readUsage(works: Work[], ctx: JobContext): Promise<void> {
  const usage = await ctx.servers.warehouse.callBatch(
    'get_accounts_usage',
    works.map((work) => ({ domain: work.account.domain, days: ctx.usageDays })),
  );
  works.forEach((work, i) => {
    const result = usage[i] as (typeof usage)[number];
    note(work.outcome, 'usage', result);
    if (result.ok) work.usage = result.value.usage;
  });
}

/** The page's signals in one bulk call, unless enrichment is off for the run; per account, degraded on failure. */
async function enrich(live: Work[], ctx: JobContext): Promise<void> {
  // An open breaker is not checked here: the call fails fast while it is open, and lets the probe
  // through that closes it again once the vendor is back.
  const off = ctx.stopped.enrichment;
  if (off !== null) {
    for (const work of live) {
      note(work.outcome, 'signals', 'skipped');
      work.outcome.degraded = true;
      work.outcome.degraded_reason = off;
    }
    return;
  }
  const results = await ctx.servers.enrichment.callBatch(
    'get_accounts_signals',
    live.map((work) => ({ domain: work.account.domain })),
  );
  live.forEach((work, i) => {
    const result = results[i] as (typeof results)[number];
    note(work.outcome, 'signals', result);
    if (result.ok) {
      work.signals = result.value;
      return;
    }
    work.outcome.degraded = true;
    work.outcome.degraded_reason = `enrichment ${result.error.code}`;
    if (result.error.code === 'quota_exhausted' && ctx.stopped.enrichment === null) {
      ctx.stopped.enrichment = 'enrichment quota exhausted';
      ctx.notices.push(
        `Enrichment quota exhausted (${result.error.message}); no more enrichment calls this run, ` +
          'the remaining accounts ran on CRM and warehouse data (degraded).',
      );
    }
  });
}

function scoreAccount(work: Work, ctx: JobContext): void {
  const { account, outcome, signals, usage } = work;
  const firm = signals?.status === 'matched' ? signals.firmographics : undefined;
  const input: ScoringInput = {
    firmographics: {
      employee_count: firm?.employee_count ?? account.employee_count ?? null,
      industry: firm?.industry ?? account.industry ?? null,
      inferred_revenue: firm?.inferred_revenue ?? null,
      latest_funding_stage: firm?.latest_funding_stage ?? null,
      country: firm?.country ?? account.country ?? null,
    },
    confidence: signals !== undefined ? signals.confidence : outcome.degraded ? FIRST_PARTY_CONFIDENCE : 0,
    usage:
      usage === undefined
        ? null
        : {
            active_users: usage.active_users,
            sessions: usage.sessions,
            pricing_page_views: usage.pricing_page_views,
            demo_requests: usage.demo_requests,
            days_since_active:
              usage.last_active_at === null
                ? null
                : Math.max(0, Math.floor((Date.now() - Date.parse(usage.last_active_at)) / DAY_MS)),
          },
  };
  const scored = score(input, ctx.scoring);
  work.input = input;
  work.scored = scored;
  outcome.fit = scored.fit;
  outcome.intent = scored.intent;
  outcome.steps.score = { status: 'ok', attempts: 0 };
}

function accountUpsert(work: Work) {
  const { account, signals, input, scored } = work;
  const firm = signals?.status === 'matched' ? signals.firmographics : undefined;
  return {
    domain: account.domain,
    ...known({
      name: firm?.name ?? account.name,
      industry: input?.firmographics.industry,
      employee_count: input?.firmographics.employee_count,
      country: input?.firmographics.country,
    }),
    // A thin account is not scored: a number built from nothing would look like knowledge.
    ...(scored === undefined || scored.thin ? {} : { score: scored.score }),
  };
}

/** One batch of research tasks for the accounts too thin to score, each with its own key. */
async function research(thin: Work[], ctx: JobContext): Promise<void> {
  if (thin.length === 0 || ctx.stopped.crm !== null) return;
  const tasks = await ctx.servers.crm.callBatch(
    'create_tasks',
    thin.map((work) => ({
      domain: work.account.domain,
      kind: 'manual_research' as const,
      note: researchNote(work.account, work.outcome),
      idempotency_key: idempotencyKey(ctx.runKey, work.account.domain, 'research'),
    })),
  );
  thin.forEach((work, i) => {
    const task = tasks[i] as ItemOutcome;
    note(work.outcome, 'research_task', task);
    if (task.ok) {
      work.outcome.status = 'routed';
      work.outcome.action = 'research_task';
    } else failedWrite(ctx, work, task.error);
  });
}

/** One batch upsert of the scored accounts' leads (those with a contact), each checkpointed. */
async function leads(scored: Work[], ctx: JobContext): Promise<void> {
  for (const work of scored) {
    work.outcome.score = work.scored?.score ?? null;
    work.outcome.band = work.scored?.band ?? null;
  }
  const withContact = scored.filter((work) => work.account.contact_email !== null);
  if (withContact.length === 0 || ctx.stopped.crm !== null) return;
  const results = await ctx.servers.crm.callBatch(
    'upsert_leads',
    withContact.map((work) => ({
      email: work.account.contact_email as string,
      domain: work.account.domain,
      ...known({
        first_name: work.account.contact_first_name,
        last_name: work.account.contact_last_name,
        title: work.account.contact_title,
      }),
      score: work.scored?.score ?? 0,
    })),
  );
  await Promise.all(
    withContact.map((work, i) => {
      const result = results[i] as ItemOutcome;
      note(work.outcome, 'upsert_lead', result);
      if (!result.ok) failedWrite(ctx, work, result.error);
      return ctx.checkpoint(work.outcome);
    }),
  );
}

function researchNote(account: WarehouseAccount, outcome: AccountOutcome): string {
  const why = outcome.degraded
    ? `enrichment was unavailable (${outcome.degraded_reason})`
    : 'enrichment found too little and there is no product usage';
  return `Too little data to score ${account.name} (${account.domain}): ${why}. Research firmographics and a contact.`;
}

/**
 * The fields whose value is known. Unknown is not empty: a field the vendor did not know (or could
 * not be asked, on a degraded account) is left as the CRM has it, never cleared.
 */
function known<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && value !== undefined),
  ) as { [K in keyof T]?: NonNullable<T[K]> };
}
