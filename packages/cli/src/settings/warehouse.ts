import { openServerDatabase } from '@tollgate/core/settings';
import type * as z from 'zod';
import { serverBase, serverBaseShape } from './common.ts';
import { serverSchemas } from './serverSchemas.ts';
import { setting, text, wholeNumber } from './setting.ts';

/** `tollgate serve warehouse`: the warehouse (or the embedded demo), its named queries, its scopes. */
export const warehouseSettings = serverSchemas('WAREHOUSE', {
  ...serverBaseShape('WAREHOUSE', 'warehouse'),
  WAREHOUSE_QUERIES: setting(
    {
      type: 'file',
      unset: 'the shipped `config/demo.json`',
      description:
        'the JSON file of named queries (and the queries behind list_accounts, get_account_usage and get_accounts_usage)',
    },
    text,
  ),
  WAREHOUSE_DEMO_ACCOUNTS: setting(
    {
      type: 'count',
      default: '400',
      description: 'accounts in the embedded demo warehouse, made when no database URL is set',
    },
    wholeNumber({ min: 1, fallback: 400, unit: 'accounts' }),
  ),
});

export type WarehouseSettings = z.output<typeof warehouseSettings.stdio>;

/**
 * The warehouse server these settings describe: a database URL points at any Postgres-compatible
 * warehouse, used read-only and never migrated; without one the embedded demo warehouse is made.
 */
export async function warehouseServer(settings: WarehouseSettings) {
  const warehouse = await import('@tollgate/warehouse');
  const base = serverBase('WAREHOUSE', settings, warehouse.WAREHOUSE_SCOPES);
  // Read before the database opens, so a bad file fails at once and names itself.
  const config = warehouse.loadWarehouseConfig(settings.WAREHOUSE_QUERIES);
  return warehouse.createWarehouseServer({
    db: await openServerDatabase('warehouse', base.store),
    config,
    demo: base.store.databaseUrl === undefined ? { accounts: settings.WAREHOUSE_DEMO_ACCOUNTS } : false,
    grantedScopes: base.grantedScopes,
    secrets: base.secrets,
    principal: base.principal,
    log: base.log,
  });
}
