import type { ErrorCode } from '@tollgate/core';
import type { ContractCase, ContractOptions } from './ContractOptions.ts';
import { type AnyTool, type ContractRun, withRun } from './contractRun.ts';
import { expectError, expectRetryable, expectSuccess, fail, isReplayed } from './expectResult.ts';
import type { ActiveFault, FaultKind, UpstreamRequest } from './faultyFetch.ts';
import { exampleFor, uniqueKey } from './shared.ts';

const RETRY_AFTER_SECONDS = 3;

const EXPECTED: Record<
  Exclude<FaultKind, 'lost_response'>,
  { fault: ActiveFault; code: ErrorCode; says: string }
> = {
  rate_limited: {
    fault: { kind: 'rate_limited', retryAfterSeconds: RETRY_AFTER_SECONDS },
    code: 'rate_limited',
    says: 'answers an upstream 429 with rate_limited after its Retry-After',
  },
  unavailable: {
    fault: { kind: 'unavailable' },
    code: 'upstream_unavailable',
    says: 'answers an upstream 503 with retryable upstream_unavailable',
  },
  hang: {
    fault: { kind: 'hang' },
    code: 'timeout',
    says: 'answers an upstream that never answers with a retryable timeout',
  },
  changed_shape: {
    fault: { kind: 'changed_shape' },
    code: 'upstream_contract_violation',
    says: 'answers an upstream answer in a changed shape with upstream_contract_violation',
  },
};

/** The tool's answer to each injected upstream fault: the right code, retryability and delay. */
export function faultCases(
  options: ContractOptions,
  tool: AnyTool,
  isWrite: (request: UpstreamRequest) => boolean,
): ContractCase[] {
  const skip = new Set(options.upstream?.skip?.[tool.name] ?? []);
  const key = () => (tool.kind === 'create' ? uniqueKey('fault') : undefined);
  const cases: ContractCase[] = [];
  for (const [kind, expected] of Object.entries(EXPECTED) as [FaultKind, (typeof EXPECTED)['hang']][]) {
    if (skip.has(kind)) continue;
    cases.push({
      name: `${tool.name}: ${expected.says}`,
      run: () =>
        withRun(options, async (run) => {
          const where = `${tool.name} under ${kind}`;
          const sent = run.upstream.requests.length;
          run.upstream.set(expected.fault);
          const result = await run.call(tool.name, exampleFor(options, tool, key()));
          run.upstream.set(undefined);
          if (run.upstream.requests.length === sent) {
            fail(
              where,
              'made no request through env.fetch: give the vendor client the fetch the kit passes',
              result,
            );
          }
          if (kind === 'changed_shape' && run.upstream.faulted.length === 0) {
            fail(
              where,
              'got no JSON answer to change: give an example that the upstream answers with a record',
              result,
            );
          }
          const error = expectError(where, result, expected.code);
          if (kind === 'rate_limited' && error.retry_after_ms !== RETRY_AFTER_SECONDS * 1000) {
            fail(
              where,
              `retry_after_ms is ${error.retry_after_ms}, not Retry-After's ${RETRY_AFTER_SECONDS * 1000}`,
              result,
            );
          }
        }),
    });
  }
  if (!skip.has('lost_response')) cases.push(lostResponseCase(options, tool, isWrite));
  return cases;
}

/**
 * The upstream applies a request and its answer is lost (the connection resets): the call is
 * retryable, a retry under the same key succeeds, and a create's retry does not send the write again.
 */
function lostResponseCase(
  options: ContractOptions,
  tool: AnyTool,
  isWrite: (request: UpstreamRequest) => boolean,
): ContractCase {
  const writes = tool.kind !== 'read';
  return {
    name: `${tool.name}: answers a lost upstream answer as retryable${tool.kind === 'create' ? ', and its retry makes no second write' : ''}`,
    run: () =>
      withRun(options, async (run: ContractRun) => {
        const where = `${tool.name} losing the answer to its ${writes ? 'first write' : 'first request'}`;
        const args = exampleFor(options, tool, tool.kind === 'create' ? uniqueKey('lost') : undefined);
        run.upstream.set({ kind: 'lost_response', lose: writes ? isWrite : () => true });
        const lost = await run.call(tool.name, args);
        run.upstream.set(undefined);
        const [dropped] = run.upstream.faulted;
        if (dropped === undefined)
          fail(where, `sent no ${writes ? 'write' : 'request'} upstream to lose the answer to`, lost);
        expectRetryable(where, lost);

        const sent = run.upstream.requests.length;
        const retry = await run.call(tool.name, args);
        expectSuccess(`${where}, then retried`, retry);
        if (tool.kind !== 'create') return;
        const same = (request: UpstreamRequest) =>
          isWrite(request) &&
          request.method === dropped.method &&
          new URL(request.url).pathname === new URL(dropped.url).pathname;
        const repeated = run.upstream.requests.slice(sent).filter(same);
        if (repeated.length > 0)
          fail(
            where,
            `the retry sent ${dropped.method} ${new URL(dropped.url).pathname} again: a duplicate`,
            retry,
          );
        const again = await run.call(tool.name, args);
        if (!isReplayed(again)) fail(where, 'a call after the successful retry is not replayed', again);
      }),
  };
}
