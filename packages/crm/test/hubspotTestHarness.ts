import type { Client } from '@modelcontextprotocol/client';
import { type ToolErrorEnvelope, toolErrorEnvelopeSchema } from '@tollgate/core/client';
import {
  type CrmSimulator,
  type CrmSimulatorOptions,
  decideFault,
  faultConfigSchema,
  startCrmSimulator,
} from '@tollgate/simulators';
import { captureLogs, connectInProcess, type LogCapture } from '@tollgate/testing';
import { expect } from 'vitest';
import type { HubSpotCrmAdapter, HubSpotCrmOptions } from '../src/adapter/HubSpotCrmAdapter.ts';
import { type CrmServer, createCrmServer } from '../src/createCrmServer.ts';
import { hubSpotAdapter, SHARED_SIMULATOR, sharedServerDatabase } from './crmTestVariants.ts';

/** A CRM server over the HubSpot adapter and a simulator, with its call records captured. */
export interface HubSpotHarness {
  sim: CrmSimulator;
  adapter: HubSpotCrmAdapter;
  client: Client;
  logs: LogCapture;
  /** Every tool result so far, to check none carries a token. */
  results: unknown[];
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  callError(name: string, args: Record<string, unknown>): Promise<ToolErrorEnvelope['error']>;
  /** Fails if any result or log line so far contains one of the simulator's tokens. */
  expectNoToken(): void;
  close(): Promise<void>;
}

/**
 * Opens one PGlite database for a test file (its idempotency keys; records live upstream) and
 * starts harnesses on it. The server is given no secrets, so a leaked token would show as itself.
 */
export function hubSpotHarnesses() {
  const database = sharedServerDatabase();
  return {
    open: database.open,
    drop: database.drop,
    start: async (
      simulator: CrmSimulatorOptions = {},
      options: Partial<HubSpotCrmOptions> = {},
    ): Promise<HubSpotHarness> => {
      await database.reset();
      const sim = await startCrmSimulator({ ...SHARED_SIMULATOR, ...simulator });
      const adapter = hubSpotAdapter(sim, options);
      const logs = captureLogs();
      const crm: CrmServer = await createCrmServer({
        db: database.db(),
        adapter,
        log: { destination: logs.stream },
      });
      const connection = await connectInProcess(crm);
      const results: unknown[] = [];
      const raw = async (name: string, args: Record<string, unknown>) => {
        const result = await connection.client.callTool({ name, arguments: args });
        results.push(result);
        return result;
      };
      return {
        sim,
        adapter,
        client: connection.client,
        logs,
        results,
        call: async (name, args) => {
          const result = await raw(name, args);
          if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
          return result.structuredContent as Record<string, unknown>;
        },
        callError: async (name, args) => {
          const result = await raw(name, args);
          expect(result.isError).toBe(true);
          return toolErrorEnvelopeSchema.parse(result.structuredContent).error;
        },
        expectNoToken: () => {
          const seen = JSON.stringify(results) + logs.lines().join('\n');
          for (const token of [sim.token, sim.expiredToken ?? sim.token]) expect(seen).not.toContain(token);
        },
        close: async () => {
          await connection.close();
          await crm.close();
          await sim.close();
        },
      };
    },
  };
}

/**
 * Simulator options that answer the first `nth` requests and lose the answer to request `nth`
 * (0-based) after doing its work, as a network that drops a reply would. create_task searches for an
 * open task and reads the account's company before it creates one, so its POST is request 2. Later requests lose answers at random:
 * clear the faults once the lost one has happened. (A fault's fate is a pure function of the seed
 * and the request's number, so a seed is picked that decides exactly this.)
 */
export function loseAnswerTo(nth: number): Pick<CrmSimulatorOptions, 'seed' | 'faults'> {
  const faults = { lostResponse: 0.5 };
  const config = faultConfigSchema.parse(faults);
  const lost = (seed: number, index: number) => {
    const decision = decideFault(config, seed, index, 0);
    return decision.action === 'pass' && decision.lostResponse;
  };
  for (let seed = 1; seed < 10_000; seed++) {
    if (Array.from({ length: nth + 1 }, (_, i) => lost(seed, i) === (i === nth)).every(Boolean)) {
      return { seed, faults };
    }
  }
  throw new Error(`No seed loses exactly the answer to request ${nth}`);
}

/**
 * Simulator options that answer request `nth` (0-based) with a 500 and the requests before it
 * normally. Later requests fail at random: clear the faults once the failure has happened.
 */
export function failRequest(nth: number): Pick<CrmSimulatorOptions, 'seed' | 'faults'> {
  const faults = { errors: { server_error: 0.5 } };
  const config = faultConfigSchema.parse(faults);
  const fails = (seed: number, index: number) => decideFault(config, seed, index, 0).action === 'error';
  for (let seed = 1; seed < 10_000; seed++) {
    if (Array.from({ length: nth + 1 }, (_, i) => fails(seed, i) === (i === nth)).every(Boolean)) {
      return { seed, faults };
    }
  }
  throw new Error(`No seed fails exactly request ${nth}`);
}
