import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { createPrivateFile, DevIssuerError, readPrivateFile } from './privateFiles.ts';

export const CLIENTS_FILE = 'clients.json';
/** Any resource: a `resources` key that lets the client ask for a token for every URL. */
export const ANY_RESOURCE = '*';
const MIN_CLIENT_SECRET_LENGTH = 16;

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`. */
const scopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is one word of printable ASCII, without spaces or quotes');

const resources = z.record(z.string(), z.array(scopeToken)).superRefine((value, ctx) => {
  for (const key of Object.keys(value)) {
    const problem = key === ANY_RESOURCE ? undefined : resourceProblem(key);
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${problem}; a resource is "${ANY_RESOURCE}" or an absolute http(s) URL without a #fragment`,
      });
    }
  }
});

const devClientSchema = z.strictObject({
  client_id: z.string().min(1).max(255),
  client_secret: z
    .string()
    .min(MIN_CLIENT_SECRET_LENGTH, `must be at least ${MIN_CLIENT_SECRET_LENGTH} characters`),
  /** Per resource URL (or `*`), the scopes the client may have in a token for it. */
  resources,
});

export const devClientsSchema = z
  .strictObject({ clients: z.array(devClientSchema) })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.clients.forEach((client, index) => {
      if (seen.has(client.client_id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', index, 'client_id'],
          message: `client_id "${client.client_id}" is listed twice`,
        });
      }
      seen.add(client.client_id);
    });
  });

/** One registered client of the development issuer. */
export type DevClient = z.infer<typeof devClientSchema>;
export type DevClientsConfig = z.infer<typeof devClientsSchema>;

/**
 * Validates a clients configuration. Messages name the client and field, never a secret's value:
 * they end up in terminals and CI logs.
 */
export function parseDevClients(raw: unknown, source: string): DevClient[] {
  const parsed = devClientsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new DevIssuerError(
      `${source} is not a valid clients file:\n  - ${issues.join('\n  - ')}\n` +
        'Expected {"clients": [{"client_id": "...", "client_secret": "...", "resources": {"<url or *>": ["scope"]}}]}',
    );
  }
  return parsed.data.clients;
}

/** Reads and validates a clients file (which must be mode 0600: it holds the client secrets). */
export async function loadDevClients(file: string): Promise<DevClient[]> {
  const text = await readPrivateFile(file);
  if (text === undefined) {
    throw new DevIssuerError(
      `No clients file at ${file}. Create it (mode 0600) as ` +
        '{"clients": [{"client_id": "...", "client_secret": "...", "resources": {"*": ["scope"]}}]}, ' +
        'or leave out --clients to have a default one made.',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DevIssuerError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseDevClients(raw, file);
}

export interface DefaultClients {
  clients: DevClient[];
  /** `<dir>/clients.json`. */
  file: string;
  /** `<dir>/<client id>.secret`: the same secret alone, for a `*_SECRET_FILE` setting. */
  secretFile: string;
  /** False when the file already existed and was only read. */
  created: boolean;
}

/**
 * The clients in `<dir>/clients.json`, created on first use with one client allowed `scopes` on any
 * resource and a random secret. The secret is also written alone to `<dir>/<clientId>.secret`
 * (mode 0600) so a client can read it from a file; it is never printed.
 */
export async function loadOrCreateDefaultClients(
  dir: string,
  defaults: { clientId: string; scopes: readonly string[] },
): Promise<DefaultClients> {
  const file = join(dir, CLIENTS_FILE);
  const secretFile = join(dir, `${defaults.clientId}.secret`);
  if ((await readPrivateFile(file)) === undefined) {
    const secret = randomBytes(32).toString('base64url');
    const config: DevClientsConfig = {
      clients: [
        {
          client_id: defaults.clientId,
          client_secret: secret,
          resources: { [ANY_RESOURCE]: [...new Set(defaults.scopes)] },
        },
      ],
    };
    if (await createPrivateFile(file, `${JSON.stringify(config, null, 2)}\n`)) {
      // A secret file left from an earlier clients.json would name a secret that no longer works.
      await rm(secretFile, { force: true });
      await createPrivateFile(secretFile, `${secret}\n`);
      return { clients: parseDevClients(config, file), file, secretFile, created: true };
    }
  }
  return { clients: await loadDevClients(file), file, secretFile, created: false };
}

/** Why `resource` cannot be an RFC 8707 resource indicator, or `undefined` when it can. */
export function resourceProblem(resource: string): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'it is not an http(s) URL';
  if (resource.includes('#')) return 'it has a #fragment';
  return undefined;
}

/** The outcome of a scope request: the scopes granted, or the RFC 6749/8707 error to answer. */
export type ScopeGrant =
  | { ok: true; scopes: string[] }
  | { ok: false; error: 'invalid_target' | 'invalid_scope'; description: string };

/**
 * The scopes `client` gets in a token for `resource`: the requested ones when all are allowed for
 * that resource (or for `*` when the resource has no entry of its own), every allowed one when none
 * are requested. Asking for one scope too many fails the request instead of silently narrowing it,
 * so a misconfigured client learns at once which scope it lacks.
 */
export function grantScopes(client: DevClient, resource: string, requested: string | undefined): ScopeGrant {
  const allowed = client.resources[resource] ?? client.resources[ANY_RESOURCE];
  if (allowed === undefined) {
    return {
      ok: false,
      error: 'invalid_target',
      description: `client ${client.client_id} may not request tokens for ${resource}`,
    };
  }
  const wanted = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  if (wanted.length === 0) {
    const all = [...new Set(allowed)];
    if (all.length > 0) return { ok: true, scopes: all };
    return {
      ok: false,
      error: 'invalid_scope',
      description: `client ${client.client_id} has no scopes for ${resource}`,
    };
  }
  const refused = wanted.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) {
    return {
      ok: false,
      error: 'invalid_scope',
      description:
        `client ${client.client_id} may not have ${refused.join(' ')} for ${resource}; ` +
        `allowed: ${allowed.join(' ') || '(none)'}`,
    };
  }
  return { ok: true, scopes: wanted };
}

/**
 * The client whose id and secret match, or `undefined`. Secrets are compared as SHA-256 digests
 * with `timingSafeEqual` (equal lengths, constant time), and an unknown id is compared against a
 * dummy, so response time says nothing about which part was wrong.
 */
export function authenticateClient(
  clients: readonly DevClient[],
  clientId: string,
  secret: string,
): DevClient | undefined {
  const client = clients.find((candidate) => candidate.client_id === clientId);
  const expected = digest(client?.client_secret ?? DUMMY_SECRET);
  const matches = timingSafeEqual(digest(secret), expected);
  return client !== undefined && matches ? client : undefined;
}

const DUMMY_SECRET = randomBytes(32).toString('base64url');

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
