import type { Database } from '@tollgate/core/store';
import type { WarehouseConfig } from './config.ts';
import type { QueryLimits } from './QueryRunner.ts';

/** What the warehouse tools share: the connection, the named queries, and the default limits. */
export interface WarehouseContext {
  db: Database;
  config: WarehouseConfig;
  limits: QueryLimits;
}
