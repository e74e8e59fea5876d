// The MCP tools over stdio, for a desktop agent that launches them as a
// process: `PN_API_KEY=pk_… PN_GATEWAY_URL=https://… node dist/mcp/stdio.js`.
// The same tool table as /mcp; every tool is a request to the gateway's
// public API with that key. Stdout carries the protocol, so anything said
// to a person goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { GatewayClient } from './gateway-client.js';
import { createMcpServer } from './mcp-server.js';

const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

const apiKey = process.env.PN_API_KEY?.trim();
if (!apiKey) {
  process.stderr.write('PN_API_KEY is not set: give the MCP server an API key of your account (pk_…)\n');
  process.exit(2);
}
const gatewayUrl = process.env.PN_GATEWAY_URL?.trim() || DEFAULT_GATEWAY_URL;
try {
  new URL(gatewayUrl);
} catch {
  process.stderr.write(`PN_GATEWAY_URL is not a URL: ${gatewayUrl}\n`);
  process.exit(2);
}

const server = createMcpServer(new GatewayClient(gatewayUrl, apiKey));
await server.connect(new StdioServerTransport());
process.stderr.write(`private-network MCP server on stdio, calling ${gatewayUrl}\n`);
