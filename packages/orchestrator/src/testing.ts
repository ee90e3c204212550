import { loadNightlyConfig, type NightlyConfig } from './job/nightlyConfig.ts';
import { SERVER_NAMES } from './report/types.ts';

/**
 * The shipped config with fast pacing and short backoffs, for tests against small simulated worlds
 * whose limits are generous: the shipped pacing is for real vendor limits.
 */
export function fastNightlyConfig(): NightlyConfig {
  const config = loadNightlyConfig();
  config.concurrency = 8;
  config.pageSize = 10;
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
