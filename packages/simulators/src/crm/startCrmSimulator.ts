import { DEFAULT_SEED, Random } from '@tollgate/gtm-data';
import * as z from 'zod';
import { faultConfigSchema } from '../faults.ts';
import type { SimRequest, SimResponse } from '../http/exchange.ts';
import { gatewayPage, serverErrorStatus } from '../http/gatewayPage.ts';
import { type SimulatorServer, startSimulatorServer, type Vendor } from '../http/simulatorServer.ts';
import { listenOptionsSchema, seedSchema } from '../options.ts';
import { BATCH_RESULT_ORDERS, batchCreate, ResultOrder } from './batchCreate.ts';
import { batchRead } from './batchRead.ts';
import { batchUpsert } from './batchUpsert.ts';
import { CrmStore } from './CrmStore.ts';
import { type HubSpotLimitStats, HubSpotLimits } from './HubSpotLimits.ts';
import { HubSpotErrors } from './hubspotErrors.ts';
import { createObject, readObject, updateObject } from './objects.ts';
import {
  DEFAULT_DUPLICATE_KEYS,
  DEFAULT_UNIQUE_PROPERTIES,
  isObjectType,
  OBJECT_TYPES,
  type ObjectType,
} from './objectTypes.ts';
import type { CrmContext } from './requests.ts';
import { reshapeCrmBody } from './reshape.ts';
import { searchObjects } from './search.ts';

/** The private-app token the CRM simulator accepts unless told otherwise. */
export const DEFAULT_CRM_TOKEN = 'sim-hubspot-pat-0000-local-only';
/** A token the CRM simulator answers with 401 EXPIRED_AUTHENTICATION. */
export const DEFAULT_EXPIRED_CRM_TOKEN = 'sim-hubspot-pat-expired-local-only';

const window = (max: number, intervalMs: number) =>
  z.object({
    max: z.number().int().min(0).default(max),
    intervalMs: z.number().positive().default(intervalMs),
  });
const perType = z.partialRecord(z.enum(OBJECT_TYPES), z.array(z.string().min(1)));

export const crmSimulatorOptionsSchema = z
  .object({
    ...listenOptionsSchema.shape,
    seed: seedSchema.default(DEFAULT_SEED),
    token: z.string().min(16).default(DEFAULT_CRM_TOKEN),
    expiredTokens: z.array(z.string()).default([DEFAULT_EXPIRED_CRM_TOKEN]),
    /** TEN_SECONDLY_ROLLING: default 100 per 10 s (private apps get 100–190). */
    rateLimit: window(100, 10_000).prefault({}),
    /** DAILY: default 250,000 per day, the day starting at simulator start. */
    dailyLimit: z
      .object({
        max: z.number().int().min(0).default(250_000),
        periodMs: z.number().positive().default(86_400_000),
      })
      .prefault({}),
    /** The search endpoints' own limit: default 5 per second. */
    searchRateLimit: window(5, 1000).prefault({}),
    /** Delay before a write shows up in search: fixed, or uniform in [minMs, maxMs]. */
    indexingLagMs: z
      .union([z.number().min(0), z.object({ minMs: z.number().min(0), maxMs: z.number().min(0) })])
      .default({ minMs: 1000, maxMs: 2000 }),
    /** Unique properties per type (the only valid `idProperty` values); replaces the default per type. */
    uniqueProperties: perType.default({}),
    /** Natural keys whose repeats `stats().duplicates` counts; replaces the default per type. */
    duplicateKeys: perType.default({}),
    /**
     * The order of `batch/create` results. HubSpot promises none (they do not follow the inputs),
     * so the default shuffles them, seeded; `reversed` and `input` are for tests.
     */
    batchCreateOrder: z.enum(BATCH_RESULT_ORDERS).default('shuffled'),
    faults: faultConfigSchema.optional(),
  })
  .strict();

/** Options for {@link startCrmSimulator}; every field is optional. */
export type CrmSimulatorOptions = z.input<typeof crmSimulatorOptionsSchema>;

export interface CrmStats {
  records: Record<ObjectType, number>;
  /** Per type and key property: records repeating a value another record holds. Zero is the goal. */
  duplicates: Record<ObjectType, Record<string, number>>;
  limits: HubSpotLimitStats;
}

/** A running CRM simulator. */
export interface CrmSimulator extends SimulatorServer<CrmStats> {
  readonly token: string;
  readonly expiredToken: string | undefined;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

function route(req: SimRequest): { type: string; rest: string[] } | undefined {
  const parts = req.url.pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'crm' || parts[1] !== 'v3' || parts[2] !== 'objects' || parts[3] === undefined) {
    return undefined;
  }
  return { type: parts[3], rest: parts.slice(4) };
}

const isSearch = (req: SimRequest) => req.method === 'POST' && route(req)?.rest[0] === 'search';
/** A POST that only reads: a search, or a batch read. */
const readsOnly = (req: SimRequest) =>
  isSearch(req) || (req.method === 'POST' && route(req)?.rest.join('/') === 'batch/read');

/**
 * Starts a HubSpot CRM v3–style API on loopback: companies, contacts and tasks in memory, batch
 * upsert, create and read, single create (with associations), read, update and a lagging search,
 * behind private-app token auth and HubSpot's limits. A batch request counts as one request against
 * the limits, however many inputs it has.
 *
 * @example
 * const crm = await startCrmSimulator({ indexingLagMs: 100, rateLimit: { max: 20, intervalMs: 200 } });
 * await fetch(new URL('/crm/v3/objects/contacts', crm.url), { method: 'POST', headers: { authorization: `Bearer ${crm.token}` }, ... });
 */
export async function startCrmSimulator(options: CrmSimulatorOptions = {}): Promise<CrmSimulator> {
  const config = crmSimulatorOptionsSchema.parse(options);
  const lagRng = new Random(config.seed, 'indexing-lag');
  const lag = config.indexingLagMs;
  const store = new CrmStore({
    uniqueProperties: { ...DEFAULT_UNIQUE_PROPERTIES, ...config.uniqueProperties },
    indexingLagMs: () =>
      typeof lag === 'number' ? lag : lag.minMs + lagRng.float() * (lag.maxMs - lag.minMs),
  });
  const duplicateKeys = { ...DEFAULT_DUPLICATE_KEYS, ...config.duplicateKeys };
  const errors = new HubSpotErrors(config.seed);
  const limits = new HubSpotLimits(
    { rolling: config.rateLimit, daily: config.dailyLimit, search: config.searchRateLimit },
    errors,
  );
  const ctx: CrmContext = { store, errors };
  const resultOrder = new ResultOrder(config.batchCreateOrder, config.seed);

  const authenticate = (req: SimRequest): SimResponse | undefined => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (token === config.token) return undefined;
    if (config.expiredTokens.includes(token)) {
      return errors.response(
        401,
        'EXPIRED_AUTHENTICATION',
        'The OAuth token used to make this call expired 1 hour(s) ago.',
      );
    }
    const message =
      token === ''
        ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more ' +
          'details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
        : 'The access token provided is not valid.';
    return errors.response(401, 'INVALID_AUTHENTICATION', message);
  };

  const dispatch = (req: SimRequest): SimResponse => {
    const target = route(req);
    const noRoute = () =>
      errors.response(404, 'OBJECT_NOT_FOUND', `No route ${req.method} ${req.url.pathname}`);
    if (!target) return noRoute();
    if (!isObjectType(target.type)) {
      return errors.response(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${target.type}`);
    }
    const { type, rest } = target;
    const [first, second] = rest;
    if (req.method === 'POST' && rest.length === 0) return createObject(ctx, type, req);
    if (req.method === 'POST' && first === 'batch' && second === 'upsert' && rest.length === 2) {
      return batchUpsert(ctx, type, req);
    }
    if (req.method === 'POST' && first === 'batch' && second === 'create' && rest.length === 2) {
      return batchCreate(ctx, type, req, resultOrder);
    }
    if (req.method === 'POST' && first === 'batch' && second === 'read' && rest.length === 2) {
      return batchRead(ctx, type, req);
    }
    if (req.method === 'POST' && first === 'search' && rest.length === 1)
      return searchObjects(ctx, type, req);
    if (first === undefined || rest.length !== 1) return noRoute();
    if (req.method === 'GET') return readObject(ctx, type, first, req);
    if (req.method === 'PATCH') return updateObject(ctx, type, first, req);
    return noRoute();
  };

  const vendor: Vendor<CrmStats> = {
    handle: (req) => authenticate(req) ?? limits.admit(isSearch(req)) ?? dispatch(req),
    outage: (faults) => gatewayPage(503, faults.retryAfterSeconds),
    fault: (kind, req, variant, faults) => {
      switch (kind) {
        case 'rate_limit':
          return errors.rateLimited('TEN_SECONDLY_ROLLING', { 'X-HubSpot-RateLimit-Remaining': '0' });
        case 'server_error':
          return gatewayPage(serverErrorStatus(variant));
        case 'migration':
          return errors.response(
            477,
            'MIGRATION_IN_PROGRESS',
            'This account is being migrated between data hosting locations. Retry after the Retry-After delay.',
            {},
            { 'Retry-After': String(faults.retryAfterSeconds) },
          );
        case 'lock':
          // Locks only ever hit writes; a search or a batch read is a POST but reads.
          if (!WRITE_METHODS.has(req.method) || readsOnly(req)) return undefined;
          return errors.response(
            423,
            'LOCKED',
            'The record is locked by another request. Wait at least 2 seconds before retrying.',
          );
      }
    },
    reshape: reshapeCrmBody,
    badRequest: (message) => errors.response(400, 'VALIDATION_ERROR', `Invalid input JSON: ${message}`),
    headers: () => limits.headers(),
    stats: () => ({
      records: store.counts(),
      duplicates: store.duplicates(duplicateKeys),
      limits: limits.stats(),
    }),
  };

  const server = await startSimulatorServer(vendor, {
    seed: config.seed,
    faults: config.faults,
    ...(config.host === undefined ? {} : { host: config.host }),
    ...(config.port === undefined ? {} : { port: config.port }),
  });
  return { ...server, token: config.token, expiredToken: config.expiredTokens[0] };
}
