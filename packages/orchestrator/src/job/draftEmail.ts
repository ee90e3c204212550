import type { WarehouseAccount } from './JobContext.ts';

export interface DraftSignals {
  industry: string | null;
  employee_count: number | null;
  active_users: number | null;
  demo_requests: number | null;
}

/**
 * The outreach draft for a hot account: plain, specific, and built only from facts the systems
 * returned (no invented claims). A person reviews and sends it; the server never sends.
 */
export function draftEmail(
  account: WarehouseAccount,
  signals: DraftSignals,
): { subject: string; body: string } {
  const first = account.contact_first_name ?? 'there';
  const lines = [`Hi ${first},`, ''];
  const facts: string[] = [];
  if (signals.active_users && signals.active_users > 0) {
    facts.push(`${signals.active_users} people at ${account.name} have been using the product this month`);
  }
  if (signals.demo_requests && signals.demo_requests > 0) facts.push('your team asked for a demo');
  lines.push(
    facts.length > 0
      ? `I noticed ${facts.join(', and ')}.`
      : `I have been looking at how ${account.name} could get more from the product.`,
  );
  if (signals.industry) lines.push(`We work with a number of ${signals.industry} teams of a similar size.`);
  lines.push('', 'Would a 20-minute call next week to look at your setup be useful?', '', 'Best,');
  return { subject: `${account.name}: a quick idea for your team`, body: lines.join('\n') };
}
