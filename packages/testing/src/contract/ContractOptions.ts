import type { Writable } from 'node:stream';
import type { TollgateServer } from '@tollgate/core';
import type { Database } from '@tollgate/core/store';
import type { FaultKind, UpstreamRequest } from './faultyFetch.ts';

/** What the kit controls, handed to the server factory of every case. */
export interface ContractEnv {
  /** Route every upstream (vendor) request through this: the kit injects its faults here. */
  readonly fetch: typeof fetch;
  /**
   * A canary the server must never show: make it the upstream credential (the simulator's token or
   * key) and one of `secrets`. The kit checks it went upstream and never came back.
   */
  readonly secret: string;
  /** Pass as the server's `log`: the kit reads the call records from it. */
  readonly log: { destination: Writable };
  /** A short upstream deadline for the vendor client, so the hung-upstream case ends quickly. */
  readonly upstreamTimeoutMs: number;
  /** A fresh in-memory store (PGlite, from the installation's snapshot when there is one). */
  store(): Promise<Database>;
  /** Runs after the case, once the server is closed (a simulator to stop, a database to drop). */
  onClose(cleanup: () => Promise<void>): void;
}

/** How to reach a server's upstream. */
export interface UpstreamOptions {
  /** Tools whose calls reach the upstream through `env.fetch`. Default: those annotated openWorld. */
  tools?: readonly string[];
  /**
   * Which requests change something upstream. A write tool's lost answer is the first write's; a
   * retry of a create must not send that write again. Default: every request but GET and HEAD.
   */
  isWrite?: (request: UpstreamRequest) => boolean;
  /** Faults a tool is not checked against: say why beside each. */
  skip?: Readonly<Record<string, readonly FaultKind[]>>;
}

export interface ContractOptions {
  /** Names the cases. */
  name: string;
  /** Builds the server under test, once per case; the kit closes it. */
  create(env: ContractEnv): TollgateServer | Promise<TollgateServer>;
  /**
   * Valid arguments for every tool (for a create, without `idempotency_key`: the kit picks keys). A
   * tool without an example fails its cases, so a new tool cannot go unchecked. For a create tool the
   * example must succeed on a fresh server.
   */
  examples: Readonly<Record<string, Record<string, unknown>>>;
  /** For create tools: other valid arguments, for the reused-key case. Default: derived from the example. */
  otherExamples?: Readonly<Record<string, Record<string, unknown>>>;
  /** The server's upstream, for the fault cases. Omit for a server that reaches none. */
  upstream?: UpstreamOptions;
  /**
   * The server's state, compared before and after calls that must write nothing. Default: every
   * table of `server.store`; a server without a store is checked for upstream writes only.
   */
  snapshot?: (server: TollgateServer) => Promise<unknown>;
}

/** One generated test. */
export interface ContractCase {
  /** `<tool>: <behaviour>`, phrased as a test name. */
  readonly name: string;
  run(): Promise<void>;
}
