import type { ToolValue } from '@tollgate/core/client';
import type { NightlyTools } from '../auth/nightlyScopes.ts';
import type { GuardedOutcome } from '../policies/GuardedServer.ts';
import type { AccountOutcome, StepName, StepRecord } from '../report/types.ts';
import { score } from '../scoring/score.ts';
import type { ScoringInput } from '../scoring/types.ts';
import type { CallOutcome } from '../servers/ServerConnection.ts';
import { draftEmail } from './draftEmail.ts';
import type { JobContext, WarehouseAccount } from './JobContext.ts';
import { idempotencyKey } from './keys.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How far firmographics from our own warehouse are trusted when enrichment could not be asked. They
 * are first-party but sparse; a vendor that answered "not found" keeps confidence 0.
 */
const FIRST_PARTY_CONFIDENCE = 0.6;

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

function note(outcome: AccountOutcome, step: StepName, result: GuardedOutcome | 'skipped'): StepRecord {
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
function crmQuotaGone(ctx: JobContext, result: CallOutcome): boolean {
  if (result.ok || result.error.code !== 'quota_exhausted') return false;
  if (ctx.stopped.crm === null) {
    ctx.stopped.crm = result.error.message;
    ctx.notices.push(
      `CRM quota exhausted (${result.error.message}); the remaining accounts are pending. ` +
        'Run the same command again with the same --run-key after the quota resets.',
    );
  }
  return true;
}

/**
 * One account through the nightly pipeline: CRM record → enrichment signals → usage → score →
 * CRM upserts → an outreach draft (score over the threshold) or a manual-research task (too thin to
 * score). Nothing here
 * throws: every failure becomes part of the outcome, so no account can fail the run.
 */
export async function processAccount(account: WarehouseAccount, ctx: JobContext): Promise<AccountOutcome> {
  const outcome = pendingOutcome(account);
  const { crm, enrichment, warehouse, outreach } = ctx.servers;
  if (ctx.stopped.crm !== null) return outcome;

  const existing = await crm.call('get_account', { domain: account.domain });
  note(outcome, 'crm_read', existing);
  if (!existing.ok) {
    crmQuotaGone(ctx, existing);
    // Without the CRM nothing can be written: leave the account for the next run.
    return outcome;
  }

  let signals: ToolValue<NightlyTools['enrichment']['get_account_signals']> | undefined;
  // An open breaker is not checked here: the call fails fast while it is open, and lets the probe
  // through that closes it again once the vendor is back.
  const enrichmentOff = ctx.stopped.enrichment;
  if (enrichmentOff !== null) {
    note(outcome, 'signals', 'skipped');
    outcome.degraded = true;
    outcome.degraded_reason = enrichmentOff;
  } else {
    const result = await enrichment.call('get_account_signals', { domain: account.domain });
    note(outcome, 'signals', result);
    if (result.ok) signals = result.value;
    else {
      outcome.degraded = true;
      outcome.degraded_reason = `enrichment ${result.error.code}`;
      if (result.error.code === 'quota_exhausted' && ctx.stopped.enrichment === null) {
        ctx.stopped.enrichment = 'enrichment quota exhausted';
        ctx.notices.push(
          `Enrichment quota exhausted (${result.error.message}); no more enrichment calls this run, ` +
            'the remaining accounts ran on CRM and warehouse data (degraded).',
        );
      }
    }
  }

  const usageResult = await warehouse.call('get_account_usage', {
    domain: account.domain,
    days: ctx.usageDays,
  });
  note(outcome, 'usage', usageResult);
  const usage = usageResult.ok ? usageResult.value.usage : undefined;

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
  outcome.fit = scored.fit;
  outcome.intent = scored.intent;
  outcome.steps.score = { status: 'ok', attempts: 0 };

  const upsert = await crm.call('upsert_account', {
    domain: account.domain,
    ...known({
      name: firm?.name ?? account.name,
      industry: input.firmographics.industry,
      employee_count: input.firmographics.employee_count,
      country: input.firmographics.country,
    }),
    // A thin account is not scored: a number built from nothing would look like knowledge.
    ...(scored.thin ? {} : { score: scored.score }),
  });
  note(outcome, 'upsert_account', upsert);
  await ctx.checkpoint(outcome);
  if (!upsert.ok) {
    if (!crmQuotaGone(ctx, upsert) && !upsert.error.retryable) outcome.status = 'skipped';
    return outcome;
  }

  if (scored.thin) {
    const task = await crm.call('create_task', {
      domain: account.domain,
      kind: 'manual_research',
      note: researchNote(account, outcome),
      idempotency_key: idempotencyKey(ctx.runKey, account.domain, 'research'),
    });
    note(outcome, 'research_task', task);
    if (task.ok) {
      outcome.status = 'routed';
      outcome.action = 'research_task';
    } else if (!crmQuotaGone(ctx, task) && !task.error.retryable) outcome.status = 'skipped';
    return outcome;
  }

  outcome.score = scored.score;
  outcome.band = scored.band;
  if (account.contact_email !== null) {
    const lead = await crm.call('upsert_lead', {
      email: account.contact_email,
      domain: account.domain,
      ...known({
        first_name: account.contact_first_name,
        last_name: account.contact_last_name,
        title: account.contact_title,
      }),
      score: scored.score,
    });
    note(outcome, 'upsert_lead', lead);
    await ctx.checkpoint(outcome);
    if (!lead.ok) {
      if (!crmQuotaGone(ctx, lead) && !lead.error.retryable) outcome.status = 'skipped';
      return outcome;
    }
  }

  if (scored.score >= ctx.draftMinScore && account.contact_email !== null) {
    const email = draftEmail(account, {
      industry: input.firmographics.industry,
      employee_count: input.firmographics.employee_count,
      active_users: input.usage?.active_users ?? null,
      demo_requests: input.usage?.demo_requests ?? null,
    });
    const draft = await outreach.call('create_outreach_draft', {
      lead_email: account.contact_email,
      domain: account.domain,
      subject: email.subject,
      body: email.body,
      // One sequence for every night: the outreach server keeps one draft per lead and sequence within
      // its window, so a re-run under another run key (after midnight, --new-run) drafts nobody twice.
      sequence: 'nightly',
      idempotency_key: idempotencyKey(ctx.runKey, account.domain, 'draft'),
    });
    note(outcome, 'draft', draft);
    // A retryable failure leaves the account pending, so the next run drafts it (once: same key).
    if (!draft.ok && draft.error.retryable) return outcome;
    if (draft.ok) outcome.action = 'draft';
  }
  outcome.status = 'done';
  return outcome;
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
