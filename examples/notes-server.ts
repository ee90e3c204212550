/**
 * A small Tollgate server: two tools over an in-memory map. Run it over stdio:
 *   npx tsx examples/notes-server.ts
 * or over Streamable HTTP:
 *   npx tsx examples/notes-server.ts --http 3333
 * NOTES_SCOPES narrows what it grants (default: notes:read notes:create); NOTES_API_KEY is treated
 * as an upstream credential and never appears in results or logs.
 */
import { createServer, defineTool, NotFoundError } from '@tollgate/core';
import * as z from 'zod';

const notes = new Map<string, { id: string; text: string }>();

const note = z.object({
  id: z.string().describe('The note id'),
  text: z.string().describe('The note text'),
});

const getNote = defineTool({
  name: 'get_note',
  title: 'Get note',
  description: 'Read one note by its id.',
  scopes: ['notes:read'],
  kind: 'read',
  input: z.object({ id: z.string().min(1).describe('The note id, as returned by add_note') }),
  output: note,
  handler: ({ id }) => {
    const found = notes.get(id);
    if (!found) throw new NotFoundError(`No note with id ${id}.`, { hint: 'Call add_note first.' });
    return found;
  },
});

const addNote = defineTool({
  name: 'add_note',
  title: 'Add note',
  description: 'Store a new note. Repeating a call with the same idempotency_key stores nothing new.',
  scopes: ['notes:create'],
  kind: 'create',
  input: z.object({ text: z.string().min(1).max(2000).describe('What to write down') }),
  output: note,
  handler: ({ text, idempotency_key }) => {
    if (text.includes('crash')) throw new Error(`storage failed using key ${process.env.NOTES_API_KEY}`);
    const created = { id: idempotency_key, text };
    notes.set(created.id, created);
    return created;
  },
});

const server = createServer({
  name: 'notes',
  version: '1.0.0',
  tools: [getNote, addNote],
  grantedScopes: (process.env.NOTES_SCOPES ?? 'notes:read notes:create').split(/[\s,]+/).filter(Boolean),
  secrets: [process.env.NOTES_API_KEY],
});

const httpFlag = process.argv.indexOf('--http');
if (httpFlag === -1) {
  server.serveStdio();
} else {
  const listener = await server.listen({ port: Number(process.argv[httpFlag + 1] ?? 0) });
  process.stderr.write(`notes server listening on ${listener.url}\n`);
}
