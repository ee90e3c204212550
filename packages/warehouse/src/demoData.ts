import type { Database } from '@tollgate/core/store';
import { DEFAULT_SEED, type DemoCompany, demoCompanies, Random, type Seed } from '@tollgate/gtm-data';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DemoWarehouseOptions {
  /** How many demo accounts; the same companies the simulators know, in the same order. Default 400. */
  accounts?: number;
  seed?: Seed;
  /** The moment usage is measured back from. Default: now. */
  asOf?: Date;
}

// biome-ignore format: a word list reads better packed
const FIRST_NAMES = ['Ada', 'Bo', 'Chen', 'Dara', 'Eli', 'Farah', 'Gus', 'Hana', 'Ivo', 'June', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya'] as const;
// biome-ignore format: a word list reads better packed
const LAST_NAMES = ['Park', 'Lindqvist', 'Wei', 'Okafor', 'Novak', 'Haddad', 'Silva', 'Sato', 'Kowalski', 'Berg', 'Mensah', 'Rossi'] as const;
const TITLES = [
  'VP Operations',
  'Head of RevOps',
  'CTO',
  'Director of Sales',
  'COO',
  'Head of Growth',
] as const;

/** The account's main product user, our lead; one in ten accounts has none on file. */
function contactOf(random: Random, domain: string) {
  if (random.chance(0.1))
    return { contact_email: null, contact_first_name: null, contact_last_name: null, contact_title: null };
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  return {
    contact_email: `${first}.${last}@${domain}`.toLowerCase(),
    contact_first_name: first,
    contact_last_name: last,
    contact_title: random.pick(TITLES),
  };
}

function segmentOf(employees: number | null): string {
  if (employees === null || employees < 200) return 'smb';
  if (employees < 1000) return 'mid_market';
  return 'enterprise';
}

function planOf(random: Random, employees: number | null): { plan: string; arr: number } {
  const size = employees ?? 20;
  if (size >= 1000) return { plan: 'enterprise', arr: random.int(60, 400) * 1000 };
  if (size >= 200) return { plan: 'business', arr: random.int(15, 80) * 1000 };
  return random.chance(0.4) ? { plan: 'free', arr: 0 } : { plan: 'team', arr: random.int(1, 15) * 1000 };
}

/**
 * Usage over the last 60 days. Engagement is drawn per account: a fifth have none at all (too thin
 * to score on intent), most use the product a little, and about one in eight are champions who use
 * it every week, look at pricing and often ask for a demo.
 */
function usageOf(random: Random, company: DemoCompany, asOf: number) {
  const events: { domain: string; user_id: string; event_type: string; occurred_at: string }[] = [];
  const engagement = random.float();
  if (engagement < 0.2) return events;
  const champion = engagement > 0.875;
  const seats = Math.max(1, Math.min(40, Math.round((company.employee_count ?? 10) / 25)));
  const activeUsers = champion ? Math.max(5, seats) : Math.max(1, Math.round(seats * engagement));
  const sessions = champion ? random.int(30, 80) : Math.round(engagement * engagement * 40);
  const recentDays = champion ? 14 : 59;
  const at = () =>
    new Date(asOf - random.int(0, recentDays) * DAY_MS - random.int(0, DAY_MS - 1)).toISOString();
  const user = () => `u${random.int(1, activeUsers)}`;
  const add = (event_type: string, count: number) => {
    for (let i = 0; i < count; i++)
      events.push({ domain: company.domain, user_id: user(), event_type, occurred_at: at() });
  };
  // Every active user has at least one session, so distinct users are what was drawn.
  for (let u = 1; u <= activeUsers; u++) {
    events.push({ domain: company.domain, user_id: `u${u}`, event_type: 'session', occurred_at: at() });
  }
  add('session', Math.max(0, sessions - activeUsers));
  add('pricing_page_view', champion ? random.int(2, 6) : engagement > 0.6 ? random.int(0, 2) : 0);
  if (champion ? random.chance(0.7) : engagement > 0.8 && random.chance(0.2)) add('demo_request', 1);
  return events;
}

/**
 * Fills an empty demo warehouse with deterministic accounts and usage events: the same seed gives
 * the same data. Does nothing when accounts already exist, so restarts keep what is there.
 */
export async function seedDemoWarehouse(db: Database, options: DemoWarehouseOptions = {}): Promise<number> {
  const existing = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM wh_accounts');
  if ((existing.rows[0]?.n ?? 0) > 0) return 0;
  const seed = options.seed ?? DEFAULT_SEED;
  const asOf = (options.asOf ?? new Date()).getTime();
  const companies = demoCompanies(seed, options.accounts ?? 400);
  await db.transaction(async (tx) => {
    for (let start = 0; start < companies.length; start += 500) {
      const accounts = [];
      const events = [];
      for (const company of companies.slice(start, start + 500)) {
        const random = new Random(seed, 'warehouse', company.domain);
        const { plan, arr } = planOf(random, company.employee_count);
        accounts.push({
          domain: company.domain,
          name: company.name,
          segment: segmentOf(company.employee_count),
          employee_count: company.employee_count,
          industry: company.industry,
          country: company.location?.country ?? null,
          plan,
          arr,
          signed_up_at: new Date(asOf - random.int(60, 900) * DAY_MS).toISOString(),
          ...contactOf(random, company.domain),
        });
        events.push(...usageOf(random, company, asOf));
      }
      // One statement per chunk: a JSON array expanded by Postgres beats thousands of INSERTs.
      await tx.query(
        `INSERT INTO wh_accounts SELECT * FROM jsonb_populate_recordset(NULL::wh_accounts, $1::jsonb)`,
        [JSON.stringify(accounts)],
      );
      if (events.length > 0) {
        await tx.query(
          `INSERT INTO wh_usage_events SELECT * FROM jsonb_populate_recordset(NULL::wh_usage_events, $1::jsonb)`,
          [JSON.stringify(events)],
        );
      }
    }
  });
  return companies.length;
}
