import * as z from 'zod';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  UpstreamUnavailableError,
} from '../src/errors/ToolError.ts';
import { defineTool } from '../src/tool/defineTool.ts';
import { sensitive } from '../src/tool/schemaWalk.ts';

/** A read tool whose behaviour each test steers through its input. */
export const probeTool = defineTool({
  name: 'probe',
  title: 'Probe',
  description: 'Answers, fails or stalls as asked; for tests.',
  scopes: ['probe:read'],
  kind: 'read',
  timeoutMs: 300,
  input: z.object({
    mode: z
      .enum([
        'ok',
        'not_found',
        'rate_limited',
        'unavailable',
        'conflict',
        'throw',
        'bad_output',
        'hang',
        'echo',
        'log',
      ])
      .describe('What the tool should do'),
    text: z.string().optional().describe('Free text the tool may echo'),
    api_key: sensitive(z.string().optional()).describe('A credential the caller passes'),
  }),
  output: z.object({
    mode: z.string().describe('The mode that ran'),
    text: z.string().nullable().describe('The echoed text, if any'),
    attempt: z.number().int().describe('The attempt number the gate saw'),
  }),
  handler: async ({ mode, text }, ctx) => {
    const said = text ?? '';
    switch (mode) {
      case 'ok':
        return { mode, text: null, attempt: ctx.attempt };
      case 'echo':
        return { mode, text: said, attempt: ctx.attempt };
      case 'log':
        ctx.logger.info({ said }, `handler says ${said}`);
        return { mode, text: null, attempt: ctx.attempt };
      case 'not_found':
        throw new NotFoundError(`Nothing called ${said}.`, { details: { looked_for: said } });
      case 'rate_limited':
        throw new RateLimitedError('Vendor rate limit reached.', {
          retryAfterMs: 4000,
          details: { body: said },
        });
      case 'unavailable':
        throw new UpstreamUnavailableError(`Vendor answered 503: ${said}`);
      case 'conflict':
        throw new ConflictError('Already exists.', { hint: `Use ${said}` });
      case 'throw':
        throw new Error(`socket hang up while sending ${said}`);
      case 'bad_output':
        return { mode, text: 42, attempt: ctx.attempt } as never;
      case 'hang':
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        return { mode, text: null, attempt: ctx.attempt };
    }
  },
});

/** A create tool (so it takes an idempotency key) that needs a scope the tests may withhold. */
export const makeTool = defineTool({
  name: 'make',
  title: 'Make',
  description: 'Creates a thing; for tests.',
  scopes: ['things:create', 'probe:read'],
  kind: 'create',
  input: z.object({ name: z.string().min(1).describe('Name of the new thing') }),
  output: z.object({ id: z.string().describe('Id of the new thing') }),
  handler: ({ name, idempotency_key }) => {
    if (name === 'invalid') throw new InvalidInputError('name "invalid" is reserved');
    return { id: `${name}-${idempotency_key}` };
  },
});
