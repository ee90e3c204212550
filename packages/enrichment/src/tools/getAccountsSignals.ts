import { defineBatchTool, isToolError, type ToolError } from '@tollgate/core';
import type { AccountSignals } from '../accountSignals.ts';
import type { SignalCache } from '../cache/SignalCache.ts';
import { getAccountsSignals } from '../contract.ts';
import { MAX_BULK_LOOKUPS, type PdlClient } from '../vendor/PdlClient.ts';
import { cacheSignals, DEADLINE_MARGIN_MS, lookupSignals } from './getAccountSignals.ts';

/**
 * The get_accounts_signals tool: each domain from the cache when it is fresh there, the rest in
 * one Bulk Company Enrichment request (a domain asked for twice is looked up once), each answer
 * cached in one statement. A lookup the vendor failed alone is that item's error.
 */
export const getAccountsSignalsTool = (vendor: PdlClient, cache: SignalCache) =>
  defineBatchTool({
    ...getAccountsSignals,
    openWorld: true,
    timeoutMs: vendor.timeoutMs + DEADLINE_MARGIN_MS,
    handler: async (items, ctx) => {
      const answers = new Map<string, AccountSignals | ToolError>();
      const misses: string[] = [];
      for (const [domain, found] of await cache.getMany(items.map((item) => item.domain))) {
        if (found.hit) answers.set(domain, found.signals);
        else misses.push(domain);
      }
      ctx.logger.info({ cache_hits: answers.size, cache_misses: misses.length }, 'enrichment cache');
      for (let i = 0; i < misses.length; i += MAX_BULK_LOOKUPS) {
        const chunk = misses.slice(i, i + MAX_BULK_LOOKUPS);
        const lookups = await vendor.enrichCompanies(chunk, ctx.signal);
        const fetchedAt = new Date();
        const fetched: AccountSignals[] = [];
        for (const [j, lookup] of lookups.entries()) {
          const domain = chunk[j] as string;
          if (isToolError(lookup)) {
            answers.set(domain, lookup);
            continue;
          }
          const signals = lookupSignals(domain, lookup, fetchedAt);
          answers.set(domain, signals);
          fetched.push(signals);
        }
        // One statement for the chunk's answers.
        await cacheSignals(cache, fetched, ctx.logger);
      }
      return items.map((item) => answers.get(item.domain) as AccountSignals | ToolError);
    },
  });
