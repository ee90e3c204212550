import { borrowed, captureLogs } from '@tollgate/testing';
import { backends } from '@tollgate/testing/backends';
import type { TestDatabase } from '@tollgate/testing/databases';
import { afterEach, describe, expect, it } from 'vitest';
import { behaviours, countEffects, localCreate, setUpEffects, upstreamCreate } from '../../test/testTools.ts';
import { toolErrorEnvelopeSchema } from '../gate/CompiledTool.ts';
import { createServer, type TollgateServer } from '../server/createServer.ts';
import { IdempotencyStore } from './IdempotencyStore.ts';

const principal = { id: 'job-1', scopes: new Set(['things:create']) };

describe.each(backends())('server-enforced idempotency on $name', (backend) => {
  let test: TestDatabase | undefined;
  let opened: TollgateServer | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await test?.drop();
    test = undefined;
    behaviours.clear();
  });

  async function setup(options: { leaseMs?: number; retentionMs?: number; localWaitMs?: number } = {}) {
    test = await backend.open();
    const { db } = test;
    await setUpEffects(db);
    const logs = captureLogs();
    const server = createServer({
      name: 'idem',
      version: '1.0.0',
      tools: [localCreate(), upstreamCreate(db)],
      store: borrowed(db),
      idempotency: options,
      log: { destination: logs.stream },
    });
    opened = server;
    return { db, server, logs, store: new IdempotencyStore(db) };
  }

  const call = (
    server: TollgateServer,
    name: string,
    args: Record<string, unknown>,
    asPrincipal = principal,
  ) => server.gate.call({ name, arguments: args, principal: asPrincipal });
  const errorOf = (result: { structuredContent?: unknown }) =>
    toolErrorEnvelopeSchema.parse(result.structuredContent).error;

  describe.skipIf(backend.skip !== '')('', () => {
    it.each(['create_local', 'create_upstream'])(
      '%s: replays the stored result for a repeated key, and makes one effect',
      async (tool) => {
        const { db, server, logs } = await setup();
        const first = await call(server, tool, { label: 'a', idempotency_key: 'k1' });
        const second = await call(server, tool, { label: 'a', idempotency_key: 'k1' });
        expect(first.isError).toBeFalsy();
        expect(second.structuredContent).toEqual(first.structuredContent);
        expect(second._meta).toMatchObject({ 'tollgate/replayed': true });
        expect(first._meta).toBeUndefined();
        const table = tool === 'create_local' ? 'local_effects' : 'upstream_effects';
        expect(await countEffects(db, table, 'k1')).toBe(1);
        expect(logs.calls().map((event) => event.replayed)).toEqual([false, true]);
      },
    );

    it('refuses a key reused with different arguments, terminally', async () => {
      const { db, server } = await setup();
      await call(server, 'create_local', { label: 'a', idempotency_key: 'k1' });
      const reused = await call(server, 'create_local', { label: 'b', idempotency_key: 'k1' });
      expect(errorOf(reused)).toMatchObject({ code: 'idempotency_key_reused', retryable: false });
      expect(await countEffects(db, 'local_effects', 'k1')).toBe(1);
    });

    it('scopes keys to the principal and the tool', async () => {
      const { db, server } = await setup();
      await call(server, 'create_local', { label: 'a', idempotency_key: 'k1' });
      await call(
        server,
        'create_local',
        { label: 'a', idempotency_key: 'k1' },
        { ...principal, id: 'job-2' },
      );
      await call(server, 'create_upstream', { label: 'a', idempotency_key: 'k1' });
      expect(await countEffects(db, 'local_effects', 'k1')).toBe(2);
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it('answers idempotency_in_progress, retryable, while the first call runs', async () => {
      const { db, server } = await setup();
      behaviours.set('slow', { delayMs: 400 });
      const first = call(server, 'create_upstream', { label: 'a', behaviour: 'slow', idempotency_key: 'k1' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'slow',
        idempotency_key: 'k1',
      });
      const error = errorOf(second);
      expect(error).toMatchObject({ code: 'idempotency_in_progress', retryable: true });
      expect(error.retry_after_ms).toBeGreaterThan(0);
      expect((await first).isError).toBeFalsy();
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it("create_local: a second caller waits for the first one's transaction, briefly, and never makes a second effect", async () => {
      const { db, server } = await setup({ localWaitMs: 300 });
      behaviours.set('slow', { delayMs: 1_200 });
      const first = call(server, 'create_local', { label: 'a', behaviour: 'slow', idempotency_key: 'k1' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = await call(server, 'create_local', {
        label: 'a',
        behaviour: 'slow',
        idempotency_key: 'k1',
      });
      expect((await first).isError).toBeFalsy();
      if (backend.name === 'postgres') {
        // Postgres lets callers wait on each other: the wait ends at localWaitMs with busy.
        expect(errorOf(second)).toMatchObject({ code: 'idempotency_in_progress', retryable: true });
      } else {
        // PGlite runs one transaction at a time: the second call ran after the first and replayed it.
        expect(second._meta).toMatchObject({ 'tollgate/replayed': true });
      }
      expect(await countEffects(db, 'local_effects', 'k1')).toBe(1);
    });

    it('stores nothing for input that fails validation', async () => {
      const { db, server } = await setup();
      // A first call readies the store; the bad one must then leave no key behind.
      await call(server, 'create_local', { label: 'other', idempotency_key: 'k0' });
      const bad = await call(server, 'create_local', { label: '', idempotency_key: 'k1' });
      expect(errorOf(bad).code).toBe('invalid_input');
      const { rows } = await db.query("SELECT * FROM tollgate_idempotency WHERE key = 'k1'");
      expect(rows).toEqual([]);
      const good = await call(server, 'create_local', { label: 'fixed', idempotency_key: 'k1' });
      expect(good.structuredContent).toMatchObject({ label: 'fixed' });
    });

    it('rolls back a local effect with its failed call and frees the key for a retry', async () => {
      const { db, server } = await setup();
      behaviours.set('flaky', { failAfterEffect: true });
      const failed = await call(server, 'create_local', {
        label: 'a',
        behaviour: 'flaky',
        idempotency_key: 'k1',
      });
      expect(errorOf(failed).code).toBe('internal');
      expect(await countEffects(db, 'local_effects', 'k1')).toBe(0);
      behaviours.delete('flaky');
      const retried = await call(server, 'create_local', {
        label: 'a',
        behaviour: 'flaky',
        idempotency_key: 'k1',
      });
      expect(retried.isError).toBeFalsy();
      expect(await countEffects(db, 'local_effects', 'k1')).toBe(1);
    });

    it('finds an upstream effect whose answer was lost instead of making it twice', async () => {
      const { db, server } = await setup();
      behaviours.set('lost', { failAfterEffect: true });
      const failed = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'lost',
        idempotency_key: 'k1',
      });
      expect(errorOf(failed)).toMatchObject({ code: 'rate_limited', retryable: true });
      behaviours.delete('lost');
      const retried = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'lost',
        idempotency_key: 'k1',
      });
      expect(retried.isError).toBeFalsy();
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it('keeps the key after a garbled upstream answer, so the retry recovers instead of duplicating', async () => {
      const { db, server } = await setup();
      behaviours.set('garbled', { garbleAfterEffect: true });
      const garbled = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'garbled',
        idempotency_key: 'k1',
      });
      expect(errorOf(garbled).code).toBe('upstream_contract_violation');
      behaviours.delete('garbled');
      const retried = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'garbled',
        idempotency_key: 'k1',
      });
      expect(retried.isError).toBeFalsy();
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it('frees the key after an upstream refusal, so a corrected retry runs', async () => {
      const { db, server } = await setup();
      behaviours.set('refused', { refuse: true });
      const refused = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'refused',
        idempotency_key: 'k1',
      });
      expect(errorOf(refused).code).toBe('invalid_input');
      expect((await db.query('SELECT key FROM tollgate_idempotency')).rows).toEqual([]);
      behaviours.delete('refused');
      const retried = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'refused',
        idempotency_key: 'k1',
      });
      expect(retried.isError).toBeFalsy();
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it('recovers a key whose owner crashed between effect and completion, after its lease', async () => {
      const { db, server } = await setup({ leaseMs: 200 });
      behaviours.set('crash', { hangAfterEffect: true });
      const crashed = call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'crash',
        idempotency_key: 'k1',
      });
      await new Promise((resolve) => setTimeout(resolve, 350));
      behaviours.delete('crash');
      const recovered = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'crash',
        idempotency_key: 'k1',
      });
      expect(recovered.isError).toBeFalsy();
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
      // The crashed owner lost its lease; when it finally gives up it stores nothing over the recovery.
      expect(errorOf(await crashed).code).toBe('timeout');
      const replay = await call(server, 'create_upstream', {
        label: 'a',
        behaviour: 'crash',
        idempotency_key: 'k1',
      });
      expect(replay.structuredContent).toEqual(recovered.structuredContent);
      expect(await countEffects(db, 'upstream_effects', 'k1')).toBe(1);
    });

    it('sweeps keys older than the retention period', async () => {
      const { server, store } = await setup({ retentionMs: 60_000 });
      await call(server, 'create_local', { label: 'a', idempotency_key: 'k1' });
      expect(await store.sweep(60_000)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.sweep(10)).toBe(1);
    });
  });
});
