import { defineTool } from '@tollgate/core';
import type { Logger } from '@tollgate/core/telemetry';
import type { AccountSignals } from '../accountSignals.ts';
import type { SignalCache } from '../cache/SignalCache.ts';
import { getAccountSignals } from '../contract.ts';
import { matchedSignals, notFoundSignals } from '../toAccountSignals.ts';
import type { PdlClient, PdlLookup } from '../vendor/PdlClient.ts';

// The gate's deadline sits past the vendor's own timeout, so a slow vendor is reported by the
// adapter (naming the vendor and its timeout) rather than cut off by the gate.
export const DEADLINE_MARGIN_MS = 2000;

/** The signals of a vendor answer. */
export function lookupSignals(domain: string, lookup: PdlLookup, fetchedAt: Date): AccountSignals {
  return lookup.status === 'matched'
    ? matchedSignals(domain, lookup.company, fetchedAt)
    : notFoundSignals(domain, fetchedAt);
}

/**
 * Caches vendor answers. The vendor already billed them: a failed cache write is logged, never
 * thrown, so the answers are not thrown away.
 */
export async function cacheSignals(
  cache: SignalCache,
  signals: readonly AccountSignals[],
  logger: Logger,
): Promise<void> {
  await cache.putMany(signals).catch((error: unknown) => {
    logger.warn({ err: error, domains: signals.map((s) => s.domain) }, 'enrichment cache write failed');
  });
}

/** The get_account_signals tool: the cache first, then the vendor, whose answer is cached. */
export const getAccountSignalsTool = (vendor: PdlClient, cache: SignalCache) =>
  defineTool({
    ...getAccountSignals,
    openWorld: true,
    timeoutMs: vendor.timeoutMs + DEADLINE_MARGIN_MS,
    handler: async ({ domain }, ctx) => {
      const found = await cache.get(domain);
      if (found.hit) {
        // Call records do not carry outputs; this line (with the call's call_id) shows the hit there.
        ctx.logger.info({ cache: 'hit', domain, age_ms: found.ageMs }, 'enrichment cache hit');
        return found.signals;
      }
      ctx.logger.info({ cache: 'miss', domain, reason: found.reason }, 'enrichment cache miss');
      const signals = lookupSignals(domain, await vendor.enrichCompany(domain, ctx.signal), new Date());
      await cacheSignals(cache, [signals], ctx.logger);
      return signals;
    },
  });
