/**
 * `npm run docs:settings`: rewrites the settings tables of the docs (between `<!-- settings:<name>:start -->`
 * and `<!-- settings:<name>:end -->`) from the settings schemas in packages/cli/src/settings/.
 * packages/cli/src/settings/settingsDocs.test.ts fails when a table and its schema differ.
 */
import { writeSettingsDocs } from '../packages/cli/src/settings/settingsDocs.ts';

const changed = await writeSettingsDocs(new URL('..', import.meta.url));
process.stdout.write(
  changed.length === 0 ? 'Settings tables are up to date.\n' : `Rewrote ${changed.join(', ')}\n`,
);
