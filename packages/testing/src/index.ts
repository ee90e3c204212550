/**
 * `@tollgate/testing`: contract tests for any Tollgate server (`contractCases`, run under vitest or
 * node:test with `registerContractCases`), and the helpers Tollgate's own tests use — an in-process
 * client, log capture, a borrowed database. Test databases are on `/databases` and `/backends`
 * (vitest), the throwaway Postgres cluster on `/postgres-server`.
 */
export { borrowed } from './borrowed.ts';
export { captureLogs, type LogCapture } from './captureLogs.ts';
export { connectInProcess, type InProcessConnection, type InProcessOptions } from './connectInProcess.ts';
export type {
  ContractCase,
  ContractEnv,
  ContractOptions,
  UpstreamOptions,
} from './contract/ContractOptions.ts';
export { contractCases } from './contract/contractCases.ts';
export {
  type FaultKind,
  type FaultyFetch,
  faultyFetch,
  type UpstreamRequest,
} from './contract/faultyFetch.ts';
export { type InvalidArgument, invalidArguments } from './contract/invalidArguments.ts';
export { registerContractCases, type TestRegistrar } from './contract/registerContractCases.ts';
export { storeSnapshot } from './contract/storeSnapshot.ts';
