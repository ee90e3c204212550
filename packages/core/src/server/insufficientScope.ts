import type { AuthInfo } from '@modelcontextprotocol/server';
import { bearerChallenge } from '../auth/resourceServer.ts';
import type { AccessPolicy, DeniedCall } from './accessPolicy.ts';
import { subjectOf } from './bearerAuth.ts';
import type { Refusal } from './refusal.ts';

/**
 * The 403 for the tools/call messages of a JSON-RPC body (one message or a batch) that the token's
 * scopes do not cover, naming every scope they need; undefined when every call is covered.
 */
export function insufficientScope(
  body: unknown,
  info: AuthInfo,
  access: AccessPolicy,
  metadataUrl: string,
): Refusal | undefined {
  const effective = access.effectiveScopes(info.scopes);
  const needed = new Set<string>();
  const denied: DeniedCall[] = [];
  for (const message of Array.isArray(body) ? body : [body]) {
    const call = toolsCall(message);
    if (call === undefined) continue;
    const required = access.requiredScopes(call.tool);
    if (required === undefined || required.every((scope) => effective.has(scope))) continue;
    for (const scope of required) needed.add(scope);
    denied.push({ ...call, clientId: info.clientId, subject: subjectOf(info), scopes: effective });
  }
  if (denied.length === 0) return undefined;
  const scope = [...needed];
  const description = `Calling ${denied.map((call) => call.tool).join(', ')} requires scopes: ${scope.join(' ')}.`;
  return {
    status: 403,
    denied,
    body: { error: 'insufficient_scope', error_description: description, scope: scope.join(' ') },
    headers: {
      'www-authenticate': bearerChallenge({
        resourceMetadata: metadataUrl,
        error: 'insufficient_scope',
        description,
        scope,
      }),
    },
  };
}

function toolsCall(message: unknown): Omit<DeniedCall, 'clientId' | 'subject' | 'scopes'> | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return undefined;
  const { name, arguments: args, _meta } = params as { name?: unknown; arguments?: unknown; _meta?: unknown };
  if (typeof name !== 'string') return undefined;
  return {
    tool: name,
    arguments: isRecord(args) ? args : undefined,
    meta: isRecord(_meta) ? _meta : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
