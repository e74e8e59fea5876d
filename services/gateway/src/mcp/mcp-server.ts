// The MCP server: the tool table, each tool one request to the public API.
// Built per caller (per request on /mcp, once for stdio), holding a client
// with that caller's key, so nothing is shared between callers.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BadPathArgument, type GatewayClient } from './gateway-client.js';
import { toolFailure, toolSuccess } from './tool-result.js';
import { TOOLS, type ToolSpec } from './tools/index.js';

const INSTRUCTIONS = `Private networking on an agent hosting platform.
Every project is one private network: resources created with the same "project" reach each other by name
(a VM named "db" is "db" or "db.vm.internal"; a database or cache "<name>.internal") and no one else does.
Public exposure is opt-in: open_port or add_domain on a VM. Errors carry the API's code, message and field.
Pass an idempotency_key to every create and reuse it when you retry.`;

export function createMcpServer(client: GatewayClient): McpServer {
  const server = new McpServer({ name: 'private-network', version: '0.1.0' }, { instructions: INSTRUCTIONS });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: { title: tool.title, ...tool.annotations } },
      (args, extra) => callTool(tool, args, client, extra.signal),
    );
  }
  return server;
}

async function callTool(tool: ToolSpec, args: Record<string, unknown>, client: GatewayClient, signal: AbortSignal): Promise<CallToolResult> {
  let request;
  try {
    request = tool.request(args);
  } catch (error) {
    if (error instanceof BadPathArgument) return toolFailure({ status: 400, error: { code: 'validation_failed', message: error.message, field: error.field } });
    throw error;
  }
  const answer = await client.send(request, signal);
  if (!answer.ok) return toolFailure(answer);
  return toolSuccess(tool.present ? tool.present(answer.body, args) : (answer.body as Record<string, unknown>));
}
