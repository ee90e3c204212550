import { type ToolContext, UpstreamUnavailableError } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import type { CrmAdapter } from '../adapter/CrmAdapter.ts';
import type { Task } from '../schemas.ts';
import { tasksRecovery, upstreamKey } from './createTask.ts';

const ctx = { principal: { id: 'client:user' } } as ToolContext;
const taskOf = (id: string): Task => ({
  id,
  domain: 'acme.com',
  kind: 'follow_up',
  note: 'n',
  status: 'open',
  created_at: '2026-12-01T00:00:00.000Z',
});

describe('create_tasks’ recovery', () => {
  it('asks the adapter once for all the items’ keys, scoped to the caller', async () => {
    const asked: (readonly string[])[] = [];
    const crm = {
      findTasksByKeys: async (keys: readonly string[]) => {
        asked.push(keys);
        return keys.map((key) => (key.endsWith(':k2') ? undefined : taskOf(`t-${key}`)));
      },
    } as unknown as CrmAdapter;
    const recover = tasksRecovery(crm);
    const answers = await recover?.([{ idempotency_key: 'k1' }, { idempotency_key: 'k2' }], ctx);
    expect(asked).toEqual([[upstreamKey('client:user', 'k1'), upstreamKey('client:user', 'k2')]]);
    expect(answers).toEqual([{ task: taskOf('t-client:user:k1'), existing: false }, undefined]);
  });

  it('falls back to one lookup per key, a failed one being that item’s answer', async () => {
    const crm = {
      findTaskByKey: async (key: string) => {
        if (key.endsWith(':bad')) throw new UpstreamUnavailableError('Search answered 504.');
        return key.endsWith(':k1') ? taskOf('t1') : undefined;
      },
    } as unknown as CrmAdapter;
    const answers = await tasksRecovery(crm)?.(
      [{ idempotency_key: 'k1' }, { idempotency_key: 'bad' }, { idempotency_key: 'k3' }],
      ctx,
    );
    expect(answers?.[0]).toEqual({ task: taskOf('t1'), existing: false });
    expect(answers?.[1]).toBeInstanceOf(UpstreamUnavailableError);
    expect(answers?.[2]).toBeUndefined();
    // An adapter whose tasks are local has nothing to recover.
    expect(tasksRecovery({} as CrmAdapter)).toBeUndefined();
  });
});
