/**
 * `@tollgate/enrichment/contract`: the enrichment server's tools as clients see them (names, scopes,
 * input and output), importable without the vendor client or the cache.
 */
import { batchToolContract, domainSchema, serverContract, toolContract } from '@tollgate/core';
import * as z from 'zod';
import { accountSignalsSchema } from './accountSignals.ts';

export const getAccountSignals = toolContract({
  name: 'get_account_signals',
  title: 'Get account signals',
  description:
    'Firmographics for a company by its domain (name, size, industry, revenue band, location, funding), from ' +
    'the enrichment vendor or the server’s cache. Fields the vendor does not know are null; a company the ' +
    'vendor does not know is status "not_found", not an error. confidence (0-1) says how sure the match is.',
  scopes: ['signals:read'],
  kind: 'read',
  input: z.object({
    domain: domainSchema('Company domain such as acme.com; a URL or www. prefix is normalized away'),
  }),
  output: accountSignalsSchema,
});

export const getAccountsSignals = batchToolContract({
  name: 'get_accounts_signals',
  title: 'Get accounts signals',
  description:
    'Firmographics for up to 100 companies in one call, each as get_account_signals answers it, from the ' +
    'cache or one bulk vendor request; prefer it to get_account_signals for more than a few domains.',
  scopes: ['signals:read'],
  kind: 'read',
  item: getAccountSignals.input,
  value: getAccountSignals.output,
});

/** The enrichment server's tools, keyed by name. */
export const enrichmentContract = serverContract(getAccountSignals, getAccountsSignals);
