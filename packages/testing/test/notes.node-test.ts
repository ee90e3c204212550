// The contract kit under node:test, run by nodeTest.test.ts in a child process:
// node --conditions=tollgate-source --import tsx --test packages/testing/test/notes.node-test.ts
import { describe, it } from 'node:test';
import { contractCases, registerContractCases } from '../src/index.ts';
import { createNotesServer, NOTES_EXAMPLES } from './notesServer.ts';

const cases = await contractCases({
  name: 'notes',
  create: (env) => createNotesServer(env, { leakKey: process.env.NOTES_LEAK_KEY === '1' }),
  examples: NOTES_EXAMPLES,
  upstream: {},
});
// A few kinds of case keep the child quick; contractCases.test.ts runs them all.
const picked = cases.filter(
  (each) => each.name.startsWith('add_note: replays') || each.name.startsWith('lookup_word:'),
);
registerContractCases('the notes server’s contract under node:test', picked, { describe, it });
