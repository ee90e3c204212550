import { fileURLToPath } from 'node:url';

/** How a child process starts this same `tollgate` command, whatever directory it runs from. */
export const SELF = {
  command: process.execPath,
  args: [fileURLToPath(new URL('../bin/tollgate.js', import.meta.url))],
};

/** Today's date in UTC, the default run key: one nightly run per day. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
