import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.ts';
import { recordWriter } from './recordWriter.ts';

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

/** The record logger as createServer makes it: a child binding `event` and `server`. */
function recordLogger(level: pino.LevelWithSilent = 'info') {
  const out = capture();
  const logger = createLogger({ destination: out.stream, level }).child({
    event: 'tool_call',
    server: 'crm',
  });
  return { ...out, logger };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 11, 4, 9, 30, 15, 42), toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the call record writer', () => {
  it('writes exactly the line logger.info writes, for any record (property)', () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), field),
        fc.constantFrom('info', 'error') as fc.Arbitrary<'info' | 'error'>,
        (record, level) => {
          const fast = recordLogger();
          const generic = recordLogger();
          recordWriter(fast.logger).write(level, record, 'tools/call');
          generic.logger[level](record, 'tools/call');
          expect(fast.lines).toEqual(generic.lines);
          expect(JSON.parse(fast.lines[0] as string)).toMatchObject({
            level,
            event: 'tool_call',
            msg: 'tools/call',
          });
        },
      ),
    );
  });

  it('writes a call record as one JSON line: level, time, bindings, fields in order, msg', () => {
    const { lines, logger } = recordLogger();
    const viaPino = vi.spyOn(logger, 'info');
    recordWriter(logger).write(
      'info',
      { tool: 'get_account', call_id: 'c1', args: { domain: 'acme.com' }, latency_ms: 0.5, outcome: 'ok' },
      'tools/call',
    );
    expect(lines).toEqual([
      '{"level":"info","time":"2026-12-04T09:30:15.042Z","event":"tool_call","server":"crm","tool":"get_account",' +
        '"call_id":"c1","args":{"domain":"acme.com"},"latency_ms":0.5,"outcome":"ok","msg":"tools/call"}\n',
    ]);
    // Assembled here, not by pino's own serialization.
    expect(viaPino).not.toHaveBeenCalled();
  });

  it("follows the logger's level as it is at each call", () => {
    const { lines, logger } = recordLogger('warn');
    const writer = recordWriter(logger);
    expect(writer.isLevelEnabled('info')).toBe(false);
    expect(writer.isLevelEnabled('error')).toBe(true);
    logger.level = 'info';
    expect(writer.isLevelEnabled('info')).toBe(true);
    writer.write('info', { tool: 't' }, 'tools/call');
    expect(lines).toHaveLength(1);
  });

  it('leaves a record JSON.stringify refuses to pino, which writes it anyway', () => {
    const fast = recordLogger();
    const generic = recordLogger();
    const record = { tool: 't', details: { big: 10n } };
    recordWriter(fast.logger).write('error', record, 'tools/call failed');
    generic.logger.error(record, 'tools/call failed');
    expect(fast.lines).toEqual(generic.lines);
    expect(fast.lines[0]).toContain('"big":10');
  });

  it('leaves a logger it cannot reproduce to pino: serializers, redaction paths, a mixin, hooks', () => {
    const configurations: pino.LoggerOptions[] = [
      { serializers: { tool: () => 'serialized' } },
      { redact: ['args.secret'] },
      { mixin: () => ({ mixed: true }) },
      { hooks: { streamWrite: (line: string) => line.replace('t1', 't2') } },
      { msgPrefix: '[records] ' },
      { formatters: { log: (object: Record<string, unknown>) => ({ ...object, formatted: true }) } },
    ];
    for (const options of configurations) {
      const out = capture();
      const logger = pino({ base: null, ...options }, out.stream);
      const expected = capture();
      pino({ base: null, ...options }, expected.stream).info(
        { tool: 't1', args: { secret: 's' } },
        'tools/call',
      );
      recordWriter(logger).write('info', { tool: 't1', args: { secret: 's' } }, 'tools/call');
      expect(out.lines.map(withoutTime)).toEqual(expected.lines.map(withoutTime));
    }
  });
});

const withoutTime = (line: string) => line.replace(/"time":\d+,/, '');
