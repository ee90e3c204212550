import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { readJsonSettingsFile } from './readJsonSettingsFile.ts';

const schema = z.strictObject({
  servers: z.record(z.string(), z.strictObject({ concurrency: z.number().int().min(1) })),
  bands: z.array(z.strictObject({ min: z.number() })),
});
const dir = mkdtempSync(join(tmpdir(), 'tollgate-settings-file-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readJsonSettingsFile', () => {
  it('parses a good file, given as a path or a file URL', () => {
    const path = file('good.json', '{"servers":{"crm":{"concurrency":2}},"bands":[{"min":1}]}');
    expect(readJsonSettingsFile(path, schema, 'nightly config').servers.crm?.concurrency).toBe(2);
    expect(readJsonSettingsFile(pathToFileURL(path), schema, 'nightly config').bands).toEqual([{ min: 1 }]);
  });

  it('names the file and the reason when it cannot be read or is not JSON', () => {
    const missing = join(dir, 'missing.json');
    expect(() => readJsonSettingsFile(missing, schema, 'nightly config')).toThrow(
      new RegExp(`^Cannot read nightly config ${missing}: ENOENT`),
    );
    const broken = file('broken.json', '{ "servers": ');
    expect(() => readJsonSettingsFile(broken, schema, 'nightly config')).toThrow(
      new RegExp(`^Cannot read nightly config ${broken}: .*JSON`),
    );
  });

  it('names the file, the JSON path of every bad field and what to do', () => {
    const bad = file(
      'bad.json',
      '{"servers":{"crm":{"concurrency":0}},"bands":[{"min":1},{"min":"x"}],"extra":1}',
    );
    const message = (() => {
      try {
        readJsonSettingsFile(bad, schema, 'nightly config');
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message.split('\n')).toEqual([
      `Nightly config ${bad} is invalid:`,
      expect.stringMatching(/^ {2}- servers\.crm\.concurrency: /),
      expect.stringMatching(/^ {2}- bands\[1\]\.min: /),
      expect.stringMatching(/^ {2}- \(root\): .*extra/),
      `Fix these fields in ${bad} and start again.`,
    ]);
  });
});
