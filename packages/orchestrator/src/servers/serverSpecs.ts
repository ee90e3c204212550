import { join } from 'node:path';
import { type ServerAuthSettings, serverCredentials } from '../auth/serverCredentials.ts';
import type { ServerName } from '../report/types.ts';
import type { ServerSpec } from './ServerConnection.ts';

const PREFIX: Record<ServerName, string> = {
  warehouse: 'WAREHOUSE_',
  crm: 'CRM_',
  enrichment: 'ENRICHMENT_',
  outreach: 'OUTREACH_',
};

/** Variables every child needs to run at all. Nothing else crosses over unless it carries the server's prefix. */
const COMMON = [
  'PATH',
  'HOME',
  'TOLLGATE_HOME',
  'TOLLGATE_LOG_LEVEL',
  'DATABASE_URL',
  'NODE_OPTIONS',
  'TZ',
  'LANG',
];

/**
 * The environment of one server's child process: the common variables and that server's own
 * settings only. The enrichment server never sees the CRM token, and so on: least privilege
 * between processes, not only between tools.
 */
export function childEnv(
  name: ServerName,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // OTEL_*: every process exports its spans to the same collector, so one account is one trace.
    if (COMMON.includes(key) || key.startsWith(PREFIX[name]) || key.startsWith('OTEL_')) picked[key] = value;
  }
  return picked;
}

export interface ServerSpecsOptions {
  /** How a child process starts the `tollgate` command. */
  launch: { command: string; args: string[] };
  /** The environment the stdio children are given, each only its share (see `childEnv`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Each stdio child's stderr (call records included) is appended to `<logDir>/<name>.log`. */
  logDir?: string;
}

/**
 * How the job reaches each server: over Streamable HTTP when its settings have a URL, with the
 * credential `serverCredentials` finds for it, otherwise a stdio child running `tollgate serve <name>`
 * through the given command. No `TOLLGATE_*` credential reaches a child.
 */
export function serverSpecs(
  settings: ServerAuthSettings,
  options: ServerSpecsOptions,
): Record<ServerName, ServerSpec> {
  const authFor = serverCredentials(settings);
  const spec = (name: ServerName): ServerSpec => {
    const url = settings.servers[name]?.url;
    if (url) {
      const auth = authFor(name, url);
      return { kind: 'http', url, ...(auth ? { auth } : {}) };
    }
    return {
      kind: 'stdio',
      command: options.launch.command,
      // Ctrl-C reaches the job and its children together: the job decides when they stop.
      args: [...options.launch.args, 'serve', name, '--ignore-interrupt'],
      env: childEnv(name, options.env),
      ...(options.logDir === undefined ? {} : { logFile: join(options.logDir, `${name}.log`) }),
    };
  };
  return {
    warehouse: spec('warehouse'),
    crm: spec('crm'),
    enrichment: spec('enrichment'),
    outreach: spec('outreach'),
  };
}
