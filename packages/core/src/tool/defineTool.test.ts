import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { defineTool, type ToolContext } from './defineTool.ts';
import { sensitive, sensitivePaths, undescribedFields } from './schemaWalk.ts';

const base = {
  title: 'T',
  description: 'D',
  scopes: ['things:read'],
  input: z.object({ id: z.string().describe('Id') }),
  output: z.object({ ok: z.boolean().describe('Ok') }),
  handler: () => ({ ok: true }),
};

describe('defineTool', () => {
  it('derives every MCP annotation from the kind', () => {
    const read = defineTool({ ...base, name: 'r', kind: 'read' });
    const upsert = defineTool({ ...base, name: 'u', kind: 'upsert' });
    const create = defineTool({ ...base, name: 'c', kind: 'create', openWorld: true });
    expect(read.annotations).toEqual({
      title: 'T',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(upsert.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(create.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
  });

  it('requires an idempotency_key of 1-255 characters on create tools only', () => {
    const create = defineTool({ ...base, name: 'c', kind: 'create' });
    expect(create.argumentsSchema.safeParse({ id: 'x' }).success).toBe(false);
    expect(create.argumentsSchema.safeParse({ id: 'x', idempotency_key: '' }).success).toBe(false);
    expect(create.argumentsSchema.safeParse({ id: 'x', idempotency_key: 'k'.repeat(256) }).success).toBe(
      false,
    );
    expect(create.argumentsSchema.safeParse({ id: 'x', idempotency_key: 'k'.repeat(255) }).success).toBe(
      true,
    );
    const read = defineTool({ ...base, name: 'r', kind: 'read' });
    expect(Object.keys(read.argumentsSchema.shape)).toEqual(['id']);
  });

  it('infers handler input and output types from the schemas', () => {
    defineTool({
      name: 'typed',
      title: 'T',
      description: 'D',
      scopes: ['x:create'],
      kind: 'create',
      input: z.object({ n: z.number().describe('N'), tag: z.string().optional().describe('Tag') }),
      output: z.object({ doubled: z.number().describe('2n') }),
      handler: (input, ctx) => {
        expectTypeOf(input.n).toEqualTypeOf<number>();
        expectTypeOf(input.tag).toEqualTypeOf<string | undefined>();
        expectTypeOf(input.idempotency_key).toEqualTypeOf<string>();
        expectTypeOf(ctx).toEqualTypeOf<ToolContext>();
        return { doubled: input.n * 2 };
      },
    });
    const read = defineTool({ ...base, name: 'no-key', kind: 'read' });
    expectTypeOf<Parameters<typeof read.handler>[0]>().not.toHaveProperty('idempotency_key');
    expectTypeOf<ReturnType<typeof read.handler>>().toEqualTypeOf<
      Promise<{ ok: boolean }> | { ok: boolean }
    >();
  });
});

describe('schema walking', () => {
  it('finds undescribed fields at any depth, through wrappers, arrays and unions', () => {
    const schema = z.object({
      a: z.string().describe('A').optional(),
      b: z.string().nullable().describe('B'),
      nested: z.object({ ok: z.number().describe('Ok'), bad: z.number() }).describe('Nested'),
      list: z.array(z.object({ inner: z.string() })).describe('List'),
      either: z.union([z.object({ left: z.string() }), z.string()]).describe('Either'),
      missing: z.string(),
    });
    expect(undescribedFields(schema)).toEqual(['nested.bad', 'list[].inner', 'either.left', 'missing']);
  });

  it('finds sensitive fields wherever they are marked', () => {
    const schema = z.object({
      key: sensitive(z.string().describe('API key')).optional(),
      auth: z.object({ password: sensitive(z.string()).describe('Password') }).describe('Auth'),
      plain: z.string().describe('Plain'),
    });
    expect(sensitivePaths(schema)).toEqual(['key', 'auth.password']);
  });
});
