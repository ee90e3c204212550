import { openServerDatabase } from '@tollgate/core/settings';
import type * as z from 'zod';
import { serverBase, serverBaseShape } from './common.ts';
import { serverSchemas } from './serverSchemas.ts';
import { setting } from './setting.ts';

const DEFAULT_DRAFT_WINDOW_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `tollgate serve outreach`: the one-draft window, and the store and scopes of every server. */
export const outreachSettings = serverSchemas('OUTREACH', {
  ...serverBaseShape('OUTREACH', 'outreach'),
  OUTREACH_DRAFT_WINDOW_DAYS: setting(
    {
      type: 'days',
      default: String(DEFAULT_DRAFT_WINDOW_DAYS),
      description:
        'a lead has at most one draft per sequence in any window this long; decimals allowed, `0` turns the rule off',
    },
    (value, fail) => {
      if (value === undefined) return DEFAULT_DRAFT_WINDOW_DAYS * DAY_MS;
      const days = Number(value);
      if (!Number.isFinite(days) || days < 0 || days > 3650) {
        return fail(
          `must be a number of days from 0 (no limit on drafts) to 3650, such as ${DEFAULT_DRAFT_WINDOW_DAYS}; got "${value}".`,
        );
      }
      return days * DAY_MS;
    },
  ),
});

export type OutreachSettings = z.output<typeof outreachSettings.stdio>;

/** The outreach server these settings describe. */
export async function outreachServer(settings: OutreachSettings) {
  const outreach = await import('@tollgate/outreach');
  const base = serverBase('OUTREACH', settings, outreach.OUTREACH_SCOPES);
  return outreach.createOutreachServer({
    db: await openServerDatabase('outreach', base.store),
    grantedScopes: base.grantedScopes,
    secrets: base.secrets,
    principal: base.principal,
    log: base.log,
    draftWindowMs: settings.OUTREACH_DRAFT_WINDOW_DAYS,
  });
}
