// The baseline of the start-up bench: a bare MCP SDK v2 stdio server with one tool, plain
// JavaScript run with plain node, started exactly as the Tollgate servers are (see start.bench.ts).
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

const server = new McpServer({ name: 'bare', version: '1.0.0' });
server.registerTool(
  'get_account',
  {
    description: 'Look up an account.',
    inputSchema: z.object({ domain: z.string().min(3).describe('Company domain, e.g. acme.com') }),
  },
  async ({ domain }) => ({
    content: [{ type: 'text', text: JSON.stringify({ domain, name: 'Acme Corp' }) }],
  }),
);
await server.connect(new StdioServerTransport());
