export {
  compileSql,
  DEMO_CONFIG_PATH,
  loadWarehouseConfig,
  parseWarehouseConfig,
  type QuerySpec,
  type WarehouseConfig,
  warehouseConfigSchema,
} from './config.ts';
export {
  createWarehouseServer,
  WAREHOUSE_SCOPES,
  WAREHOUSE_VERSION,
  type WarehouseServerOptions,
} from './createWarehouseServer.ts';
export { type DemoWarehouseOptions, seedDemoWarehouse } from './demoData.ts';
export { demoWarehouseMigrations } from './migrations.ts';
