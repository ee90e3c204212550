/**
 * The naive baseline: what a quick integration does. Every account at once through `Promise.all`,
 * a generic retry wrapper (any error, 3 retries, fixed 100 ms delay, no jitter, no pacing) and no
 * idempotency: the research task is a plain POST, retried blindly after a timeout.
 */
import { DEFAULT_SEED, type DemoCompany, demoCompanies } from '@tollgate/simulators';

const RETRIES = 3;
const RETRY_DELAY_MS = 100;
/** A naive client still has some timeout, or a lost response would hang it forever. */
const TIMEOUT_MS = 2000;

export interface NaiveTargets {
  crmUrl: URL;
  crmToken: string;
  enrichmentUrl: URL;
  enrichmentApiKey: string;
}

export interface NaiveResult {
  wallMs: number;
  /** Accounts whose every step ended well. */
  ok: number;
  failed: number;
}

class HttpError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= RETRIES) throw error;
      await sleep(RETRY_DELAY_MS);
    }
  }
}

/** One request; 2xx and the listed statuses resolve, anything else throws. */
async function request(url: URL, init: RequestInit, accept: number[] = []): Promise<number> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.arrayBuffer();
  if ((response.status >= 200 && response.status < 300) || accept.includes(response.status)) {
    return response.status;
  }
  throw new HttpError(`HTTP ${response.status}`);
}

async function processAccount(t: NaiveTargets, company: DemoCompany): Promise<void> {
  const crm = (path: string, method: string, body?: unknown, accept?: number[]) =>
    withRetry(() =>
      request(
        new URL(path, t.crmUrl),
        {
          method,
          headers: { authorization: `Bearer ${t.crmToken}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        accept,
      ),
    );
  const domain = company.domain;
  await crm(
    `/crm/v3/objects/companies/${encodeURIComponent(domain)}?idProperty=tollgate_domain`,
    'GET',
    undefined,
    [404],
  );
  const enrichUrl = new URL('/v5/company/enrich', t.enrichmentUrl);
  enrichUrl.searchParams.set('website', domain);
  const enriched = await withRetry(() =>
    request(enrichUrl, { headers: { 'x-api-key': t.enrichmentApiKey } }, [404]),
  );
  const thin = enriched !== 200;
  await crm('/crm/v3/objects/companies/batch/upsert', 'POST', {
    inputs: [
      {
        id: domain,
        idProperty: 'tollgate_domain',
        properties: { tollgate_domain: domain, domain, name: company.name },
      },
    ],
  });
  await crm('/crm/v3/objects/contacts/batch/upsert', 'POST', {
    inputs: [
      {
        id: `contact@${domain}`,
        idProperty: 'email',
        properties: { email: `contact@${domain}`, tollgate_domain: domain },
      },
    ],
  });
  if (thin) {
    // `tollgate_key` is only a label here so the simulator can count repeats; nothing dedupes on it.
    await crm('/crm/v3/objects/tasks', 'POST', {
      properties: {
        hs_timestamp: new Date().toISOString(),
        hs_task_subject: `Research ${domain}`,
        tollgate_key: `${domain}:research`,
        tollgate_domain: domain,
      },
    });
  }
}

export async function runNaive(
  t: NaiveTargets,
  accounts: number,
  seed: number = DEFAULT_SEED,
): Promise<NaiveResult> {
  const companies = demoCompanies(seed, accounts);
  const started = performance.now();
  const results = await Promise.allSettled(companies.map((c) => processAccount(t, c)));
  const wallMs = performance.now() - started;
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  return { wallMs, ok, failed: accounts - ok };
}
