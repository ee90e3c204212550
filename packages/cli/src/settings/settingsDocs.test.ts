import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SERVERS } from '../commands/serve.ts';
import { demoSettings } from './demo.ts';
import { nightlySettings } from './nightly.ts';
import { type SettingsSchema, settingsOf } from './setting.ts';
import { SETTINGS_DOCS, SETTINGS_TABLES, settingsMarkers, withSettingsTables } from './settingsDocs.ts';

const run = promisify(execFile);
const root = new URL('../../../../', import.meta.url);
const bin = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const help = async (...args: string[]) => (await run(process.execPath, [bin, ...args, '--help'])).stdout;

/** Every name a schema's help must show: the variable, or the family row it belongs to. */
const shownNames = (schema: SettingsSchema, prefix?: string) =>
  settingsOf(schema, prefix).map((setting) => setting.family ?? setting.name);

describe('the settings tables in the docs', () => {
  it.each(SETTINGS_DOCS)('%s matches the settings schemas (run `npm run docs:settings`)', (file) => {
    const text = readFileSync(new URL(file, root), 'utf8');
    expect(settingsMarkers(text).length).toBeGreaterThan(0);
    expect(withSettingsTables(text, file)).toBe(text);
  });

  it('shows every table somewhere', () => {
    const used = SETTINGS_DOCS.flatMap((file) => settingsMarkers(readFileSync(new URL(file, root), 'utf8')));
    expect(new Set(used)).toEqual(new Set(Object.keys(SETTINGS_TABLES)));
  });

  it('rewrites a stale table and refuses an unknown one', () => {
    const stale = '<!-- settings:demo:start -->\n| old |\n<!-- settings:demo:end -->';
    expect(withSettingsTables(stale, 'x.md')).toContain('| `CRM_HUBSPOT_TOKEN` |');
    expect(withSettingsTables(stale, 'x.md')).not.toContain('| old |');
    expect(() =>
      withSettingsTables('<!-- settings:nope:start --><!-- settings:nope:end -->', 'x.md'),
    ).toThrow('x.md: no settings table is called "nope"');
  });
});

describe('--help', () => {
  it.each(Object.keys(SERVERS) as (keyof typeof SERVERS)[])(
    'of tollgate serve %s lists every setting it reads',
    async (name) => {
      const { prefix, settings } = SERVERS[name];
      const text = await help('serve', name);
      for (const variable of [...shownNames(settings.stdio), ...shownNames(settings.http, prefix)]) {
        expect(text, variable).toContain(`  ${variable} `);
      }
      // Another server's settings are not this one's.
      expect(text).not.toMatch(name === 'crm' ? /ENRICHMENT_/ : /CRM_/);
    },
  );

  it('of tollgate run nightly and tollgate demo lists every setting they read', async () => {
    const nightly = await help('run', 'nightly');
    for (const variable of shownNames(nightlySettings)) expect(nightly, variable).toContain(`  ${variable} `);
    const demo = await help('demo');
    for (const variable of shownNames(demoSettings)) expect(demo, variable).toContain(`  ${variable} `);
  });

  it('marks the secrets and shows no default for them', async () => {
    const text = await help('serve', 'enrichment');
    expect(text).toMatch(/ENRICHMENT_API_KEY\s+key; required; secret/);
    expect(text).toMatch(/ENRICHMENT_TIMEOUT_MS\s+ms; default 5000\n/);
  });
});
