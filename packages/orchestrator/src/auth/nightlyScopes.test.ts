import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_NAMES } from '../report/types.ts';
import { allNightlyScopes, NIGHTLY_TOOLS, nightlyScopes } from './nightlyScopes.ts';

const JOB_DIR = new URL('../job/', import.meta.url);
const JOB_SOURCES = readdirSync(JOB_DIR).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

describe('the nightly scopes', () => {
  it('list every tool the job calls, on the server it calls it on', () => {
    const calls = new Set<string>();
    for (const source of JOB_SOURCES) {
      const text = readFileSync(new URL(source, JOB_DIR), 'utf8');
      for (const [, server, tool] of text.matchAll(
        /\b(warehouse|crm|enrichment|outreach)\.call(?:Batch)?\(\s*'(\w+)'/g,
      )) {
        calls.add(`${server}.${tool}`);
      }
    }
    const listed = new Set(
      SERVER_NAMES.flatMap((server) => Object.keys(NIGHTLY_TOOLS[server]).map((tool) => `${server}.${tool}`)),
    );
    expect(calls.size).toBeGreaterThan(0);
    expect([...calls].filter((call) => !listed.has(call))).toEqual([]);
    expect([...listed].filter((call) => !calls.has(call))).toEqual([]);
  });

  it('ask each server for its own scopes only', () => {
    expect(nightlyScopes('warehouse')).toEqual(['accounts:read', 'usage:read']);
    expect(nightlyScopes('crm')).toEqual([
      'accounts:read',
      'accounts:upsert',
      'leads:upsert',
      'tasks:create',
    ]);
    expect(nightlyScopes('enrichment')).toEqual(['signals:read']);
    expect(nightlyScopes('outreach')).toEqual(['drafts:create']);
    expect(allNightlyScopes()).toHaveLength(7);
  });
});
