// Test support, preloaded into every process of a chaos run through NODE_OPTIONS=--import: makes the
// server named by <SERVER>_TEST_FAIL_START=<times>:<marker dir> die during start-up, before it
// answers `initialize`, on its first <times> starts — as a server that crashes while loading does.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const serving = process.argv.indexOf('serve');
const server = serving === -1 ? undefined : process.argv[serving + 1];
const setting = server && process.env[`${server.toUpperCase()}_TEST_FAIL_START`];
if (setting) {
  const [times, dir] = [Number(setting.split(':')[0]), setting.slice(setting.indexOf(':') + 1)];
  mkdirSync(dir, { recursive: true });
  const started = readdirSync(dir).length;
  writeFileSync(join(dir, `start-${started + 1}`), String(process.pid));
  if (started < times) {
    process.stderr.write(`simulated crash of the ${server} server during start-up (start ${started + 1})\n`);
    process.exit(70);
  }
}
