/** `@tollgate/core/store`: the databases servers keep their records and idempotency keys in. */
export type { Claim, KeyId } from '../idempotency/IdempotencyStore.ts';
export { IdempotencyStore } from '../idempotency/IdempotencyStore.ts';
export { coreMigrations } from '../idempotency/migrations.ts';
export {
  type IdempotencyOptions,
  type ServerIdempotency,
  serverIdempotency,
} from '../idempotency/serverIdempotency.ts';
export type { Database, Queryable, QueryResult } from './Database.ts';
export {
  isLazyDatabase,
  type LazyDatabase,
  type LazyDatabaseOptions,
  lazyDatabase,
  type OpenStep,
  whenOpen,
} from './lazyDatabase.ts';
export { type Migration, migrate } from './migrate.ts';
export {
  type OpenDatabaseOnUseOptions,
  type OpenDatabaseOptions,
  openDatabase,
  openDatabaseOnUse,
  pgliteSnapshot,
  tollgateHome,
} from './openDatabase.ts';
export { openPglite, type PgliteOptions, writePgliteSnapshot } from './PgliteDatabase.ts';
export { openPostgres, type PostgresOptions, redactUrl } from './PostgresDatabase.ts';
