import { loadNightlyConfig, type NightlyConfig } from './job/nightlyConfig.ts';
import { SERVER_NAMES } from './report/types.ts';

/**
 * The shipped config with fast pacing and short backoffs, for tests against small simulated worlds
 * whose limits are generous: the shipped pacing is for real vendor limits. Pages of 5 accounts, 3
 * at a time, so a world of a few dozen accounts still has several pages in flight and more to
 * come: a kill, a crash or a Ctrl-C lands between pages as well as inside one.
 */
export function fastNightlyConfig(): NightlyConfig {
  const config = loadNightlyConfig();
  config.concurrency = 3;
  config.pageSize = 5;
  for (const name of SERVER_NAMES) {
    Object.assign(config.servers[name], {
      ratePerSecond: 150,
      burst: 10,
      backoffBaseMs: 50,
      backoffCapMs: 400,
      breakerHalfOpenAfterMs: 500,
      callTimeoutMs: 8000,
    });
  }
  return config;
}
