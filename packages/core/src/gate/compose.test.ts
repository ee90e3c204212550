import { describe, expect, it } from 'vitest';
import { compose, type Step } from './compose.ts';

describe('compose', () => {
  it('runs steps outermost first and unwinds in reverse', async () => {
    const trace: string[] = [];
    const step =
      (name: string): Step<string[], string> =>
      async (_ctx, next) => {
        trace.push(`${name}>`);
        const result = await next();
        trace.push(`<${name}`);
        return `${name}(${result})`;
      };
    const last: Step<string[], string> = async () => {
      trace.push('handler');
      return 'done';
    };
    const run = compose([step('a'), step('b'), last]);
    await expect(run(trace)).resolves.toBe('a(b(done))');
    expect(trace).toEqual(['a>', 'b>', 'handler', '<b', '<a']);
  });

  it('lets a step answer without calling the rest', async () => {
    let reached = false;
    const run = compose<null, string>([
      async () => 'short-circuit',
      async () => {
        reached = true;
        return 'never';
      },
    ]);
    await expect(run(null)).resolves.toBe('short-circuit');
    expect(reached).toBe(false);
  });

  it('rejects a step that calls next twice', async () => {
    const run = compose<null, string>([
      async (_ctx, next) => {
        await next();
        return next();
      },
      async () => 'x',
    ]);
    await expect(run(null)).rejects.toThrow(/more than once/);
  });

  it('rejects when the last step calls next', async () => {
    const run = compose<null, string>([async (_ctx, next) => next()]);
    await expect(run(null)).rejects.toThrow(/last gate step/);
  });
});
