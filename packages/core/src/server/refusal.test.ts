import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessPolicy, DeniedCall } from './accessPolicy.ts';
import { type Refusal, refuse } from './refusal.ts';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves `refusal` to every request through `refuse`, and answers one request. */
async function refuseOnce(refusal: Refusal, access: AccessPolicy) {
  const server = createServer((req, res) => void refuse(req, res, refusal, access));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; body: unknown; closedByServer: boolean }>((resolve, reject) => {
    // A keep-alive client: only the server can end the socket within the wait below.
    const agent = new Agent({ keepAlive: true });
    let socket: Socket | undefined;
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        // Whether the server ends the socket by itself soon after the answer.
        const closed = new Promise<boolean>((settle) => {
          if (socket === undefined || socket.destroyed) return settle(true);
          socket.once('close', () => settle(true));
          setTimeout(() => settle(false), 300).unref();
        });
        void closed.then((closedByServer) => {
          agent.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), closedByServer });
        });
      });
    });
    req.on('socket', (assigned) => {
      socket = assigned;
    });
    req.on('error', reject);
    req.end('{}');
  });
}

const call = (tool: string): DeniedCall => ({
  tool,
  arguments: undefined,
  meta: undefined,
  clientId: 'nightly',
  subject: undefined,
  scopes: new Set(),
});

function policy(overrides: Partial<AccessPolicy>): AccessPolicy {
  return {
    scopesSupported: [],
    requiredScopes: () => undefined,
    effectiveScopes: () => new Set(),
    recordDenied: async () => undefined,
    ...overrides,
  };
}

describe('refuse', () => {
  it('records a credentials refusal before answering it, and closes the connection', async () => {
    const events: string[] = [];
    const answer = await refuseOnce(
      { status: 401, reason: 'expired', body: { error: 'invalid_token' }, headers: {} },
      policy({
        recordRefused: (refusal) => {
          events.push(`${refusal.status} ${refusal.reason} ${refusal.method}`);
        },
      }),
    );
    expect(events).toEqual(['401 expired POST']);
    expect(answer).toEqual({ status: 401, body: { error: 'invalid_token' }, closedByServer: true });
  });

  it('answers the same when the record cannot be written', async () => {
    const answer = await refuseOnce(
      { status: 503, reason: 'keys_unavailable', body: { error: 'temporarily_unavailable' }, headers: {} },
      policy({
        recordRefused: () => {
          throw new Error('log sink gone');
        },
      }),
    );
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'temporarily_unavailable' });
  });

  it('writes the call record of every denied call before the 403, even when one record fails', async () => {
    const recorded: string[] = [];
    const answer = await refuseOnce(
      {
        status: 403,
        denied: [call('upsert_lead'), call('create_task')],
        body: { error: 'insufficient_scope' },
        headers: {},
      },
      policy({
        recordDenied: async (denied) => {
          recorded.push(denied.tool);
          if (denied.tool === 'upsert_lead') throw new Error('store down');
        },
      }),
    );
    expect(recorded.sort()).toEqual(['create_task', 'upsert_lead']);
    expect(answer.status).toBe(403);
    // A 403 is about one call, not the caller: the connection stays for the next request.
    expect(answer.closedByServer).toBe(false);
  });
});
