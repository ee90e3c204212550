import { readFile, writeFile } from 'node:fs/promises';
import { crmSettings } from './crm.ts';
import { demoSettings } from './demo.ts';
import { enrichmentSettings } from './enrichment.ts';
import { httpAuthSettings } from './httpAuth.ts';
import { nightlySettings } from './nightly.ts';
import { outreachSettings } from './outreach.ts';
import { settingsTable } from './renderSettings.ts';
import { settingsOf } from './setting.ts';
import { warehouseSettings } from './warehouse.ts';

/** Each settings table of the docs, by its marker name: `<!-- settings:crm:start -->` … `:end -->`. */
export const SETTINGS_TABLES: Record<string, () => string> = {
  crm: () => settingsTable(settingsOf(crmSettings.stdio)),
  enrichment: () => settingsTable(settingsOf(enrichmentSettings.stdio)),
  warehouse: () => settingsTable(settingsOf(warehouseSettings.stdio)),
  outreach: () => settingsTable(settingsOf(outreachSettings.stdio)),
  http: () => settingsTable(settingsOf(httpAuthSettings('<P>'), '<P>')),
  nightly: () => settingsTable(settingsOf(nightlySettings)),
  demo: () => settingsTable(settingsOf(demoSettings)),
};

/** The files, relative to the repository, that hold settings tables. */
export const SETTINGS_DOCS = [
  'docs/servers.md',
  'docs/deployment.md',
  'docs/nightly-job.md',
  'packages/enrichment/README.md',
];

const BLOCK = /(<!-- settings:([a-z]+):start -->)[\s\S]*?(<!-- settings:\2:end -->)/g;

/** The document with every settings table rewritten from its schema; an unknown marker is an error. */
export function withSettingsTables(text: string, file: string): string {
  return text.replace(BLOCK, (_, start: string, name: string, end: string) => {
    const table = SETTINGS_TABLES[name];
    if (table === undefined) throw new Error(`${file}: no settings table is called "${name}"`);
    return `${start}\n${table()}\n${end}`;
  });
}

/** The marker names a document uses. */
export function settingsMarkers(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((match) => String(match[2]));
}

/** `npm run docs:settings`: rewrites the tables in place; returns the files that changed. */
export async function writeSettingsDocs(root: URL): Promise<string[]> {
  const changed: string[] = [];
  for (const file of SETTINGS_DOCS) {
    const url = new URL(file, root);
    const text = await readFile(url, 'utf8');
    const next = withSettingsTables(text, file);
    if (next !== text) {
      await writeFile(url, next);
      changed.push(file);
    }
  }
  return changed;
}
