import { describe, expect, it } from 'vitest';
import { type Breakage, createNotesServer, NOTES_EXAMPLES } from '../test/notesServer.ts';
import { type ContractCase, contractCases, registerContractCases } from './index.ts';

const notes = (broken: Breakage = {}) =>
  contractCases({
    name: 'notes',
    create: (env) => createNotesServer(env, broken),
    examples: NOTES_EXAMPLES,
    upstream: { skip: {} },
  });

// The kit on a sound server: every case it generates passes.
registerContractCases('the contract cases of a sound notes server', await notes(), { describe, it });

/** Runs the case whose name contains `name`, which must fail with a message matching `message`. */
async function expectCaught(cases: readonly ContractCase[], name: string, message: RegExp) {
  const found = cases.filter((each) => each.name.includes(name));
  expect(found.map((each) => each.name)).toHaveLength(1);
  await expect((found[0] as ContractCase).run()).rejects.toThrow(message);
}

describe('the contract cases catch a broken server', () => {
  it('generates cases for every scope, every create rule and every fault of an upstream tool', async () => {
    const names = (await notes()).map((each) => each.name);
    expect(names).toContain('add_note: is unlisted and forbidden to a caller without notes:create');
    expect(names).toContain('add_note: gives concurrent callers of one key one effect');
    expect(names).toContain('lookup_word: answers an upstream 429 with rate_limited after its Retry-After');
    expect(names).toContain(
      'publish_note: answers a lost upstream answer as retryable, and its retry makes no second write',
    );
    // get_note reaches no upstream: no fault cases for it.
    expect(names.filter((name) => name.startsWith('get_note:'))).toHaveLength(4);
  });

  it('fails the secret case of a tool that shows its upstream credential', async () => {
    await expectCaught(
      await notes({ leakKey: true }),
      'lookup_word: never shows',
      /showed the declared secret/,
    );
  });

  it('fails the wrong-shape case of a tool whose output schema accepts anything', async () => {
    await expectCaught(
      await notes({ looseOutput: true }),
      'lookup_word: answers a handler',
      /let a wrong shape through/,
    );
  });

  it('fails the rate-limit case of a tool that drops Retry-After', async () => {
    await expectCaught(
      await notes({ ignoreRetryAfter: true }),
      'lookup_word: answers an upstream 429',
      /expected rate_limited, got upstream_unavailable/,
    );
  });

  it('fails the lost-answer case of an upstream create that cannot recover its earlier attempt', async () => {
    await expectCaught(
      await notes({ noRecover: true }),
      'publish_note: answers a lost',
      /again: a duplicate/,
    );
  });

  it('fails the scope case of a server that lists a tool to a caller without its scope', async () => {
    const cases = await contractCases({
      name: 'notes',
      create: async (env) => {
        const server = await createNotesServer(env);
        // A fake that ignores the caller: every connection gets the server's own, full grant.
        return { ...server, createInstance: () => server.createInstance() };
      },
      examples: NOTES_EXAMPLES,
    });
    await expectCaught(cases, 'get_note: is unlisted', /listed to a caller who lacks notes:read/);
  });

  it('fails every case of a tool that has no example', async () => {
    const { get_note: _, ...rest } = NOTES_EXAMPLES;
    const cases = await contractCases({
      name: 'notes',
      create: (env) => createNotesServer(env),
      examples: rest,
    });
    await expectCaught(cases, 'get_note: has example', /no example arguments given for get_note/);
  });
});
