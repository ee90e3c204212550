import { contractCases, registerContractCases } from '@tollgate/testing';
import { describe, it } from 'vitest';
import { createOutreachServer } from './createOutreachServer.ts';

// Scopes, invalid input, output shapes, idempotency keys and secrets of every outreach tool, as the
// contract kit derives them; outreach.test.ts keeps what is particular to drafts.
registerContractCases(
  'the outreach server’s contract',
  await contractCases({
    name: 'outreach',
    create: async (env) =>
      createOutreachServer({ db: await env.store(), secrets: [env.secret], log: env.log }),
    examples: {
      create_outreach_draft: {
        lead_email: 'Ada@Acme.com',
        domain: 'acme.com',
        subject: 'Hello Ada',
        body: 'We noticed your team grew.',
        sequence: 'q4-expansion',
      },
      create_outreach_drafts: {
        items: [
          {
            lead_email: 'Ada@Acme.com',
            domain: 'acme.com',
            subject: 'Hello Ada',
            body: 'Hi',
            sequence: 'q4',
          },
          { lead_email: 'bob@beta.com', domain: 'beta.com', subject: 'Hello Bob', body: 'Hi' },
        ],
      },
      get_outreach_draft: { id: '00000000-0000-4000-8000-000000000000' },
      list_outreach_drafts: { filter: { lead_email: 'ada@acme.com' }, limit: 10 },
    },
  }),
  { describe, it },
);
