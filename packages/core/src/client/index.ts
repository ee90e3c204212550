/**
 * `@tollgate/core/client`: the caller's side of the contract — `callTool` answers a typed outcome
 * checked against the tool's contract, the error envelope every refused or failed call carries,
 * the `_meta` markers a result carries, and trace propagation into `_meta`.
 */
export { ERROR_CODE_LIST } from '../errors/codes.ts';
export { type ToolErrorEnvelope, toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
export { META_ATTEMPT, META_CALL_ID, META_REPLAYED } from '../gate/toCallToolResult.ts';
export { contextFromMeta, injectIntoMeta, startClientToolSpan } from '../telemetry/tracing.ts';
export { type AnyToolContract, scopesOf, type ToolArguments, type ToolValue } from '../tool/toolContract.ts';
export {
  type CallToolOptions,
  callTool,
  outcomeOf,
  type ToolCallError,
  type ToolCaller,
  type ToolOutcome,
} from './callTool.ts';
