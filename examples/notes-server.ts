/**
 * A small Tollgate server: a read tool and a create tool over the server's own store. Run it over
 * stdio:
 *   npx tsx examples/notes-server.ts
 * or over Streamable HTTP:
 *   npx tsx examples/notes-server.ts --http 3333
 * Notes live in embedded PGlite under $TOLLGATE_HOME/notes (default ~/.tollgate), next to the
 * idempotency keys, and each note commits in the same transaction as its key: a retried add_note
 * returns the first note, never a second one. NOTES_SCOPES narrows what the server grants (default:
 * every scope its tools need); NOTES_API_KEY stands in for an upstream credential and never appears
 * in results or logs.
 */
import { createServer, defineTool, NotFoundError } from '@tollgate/core';
import * as z from 'zod';

const note = z.object({
  id: z.string().describe('The note id'),
  text: z.string().describe('The note text'),
});

const getNote = defineTool({
  name: 'get_note',
  description: 'Read one note by its id.',
  scopes: ['notes:read'],
  kind: 'read',
  input: z.object({ id: z.string().min(1).max(255).describe('The note id, as returned by add_note') }),
  output: note,
  handler: async ({ id }, { db }) => {
    const { rows } = await db.query<{ id: string; text: string }>(
      'SELECT id, text FROM notes WHERE id = $1',
      [id],
    );
    if (!rows[0]) throw new NotFoundError(`No note with id ${id}.`, { hint: 'Call add_note first.' });
    return rows[0];
  },
});

const addNote = defineTool({
  name: 'add_note',
  description: 'Store a new note. Repeating a call with the same idempotency_key stores nothing new.',
  scopes: ['notes:create'],
  kind: 'create',
  input: z.object({ text: z.string().min(1).max(2000).describe('What to write down') }),
  output: note,
  handler: async ({ text, idempotency_key }, { db }) => {
    if (text.includes('crash')) throw new Error(`storage failed using key ${process.env.NOTES_API_KEY}`);
    await db.query('INSERT INTO notes (id, text) VALUES ($1, $2)', [idempotency_key, text]);
    return { id: idempotency_key, text };
  },
});

const server = createServer({
  name: 'notes',
  version: '1.0.0',
  tools: [getNote, addNote],
  migrations: [
    { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id text PRIMARY KEY, text text NOT NULL)' },
  ],
  ...(process.env.NOTES_SCOPES ? { grantedScopes: process.env.NOTES_SCOPES.split(/[\s,]+/) } : {}),
  secrets: [process.env.NOTES_API_KEY],
});

const httpFlag = process.argv.indexOf('--http');
await server.start(httpFlag === -1 ? {} : { http: { port: Number(process.argv[httpFlag + 1] ?? 0) } });
