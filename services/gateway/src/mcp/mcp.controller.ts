// /mcp: the MCP tools over streamable HTTP, for agents that run elsewhere.
// Stateless: each POST is answered by a fresh server holding the caller's
// key, so there are no sessions to keep, share between gateway instances, or
// leak between callers. The tools call this same gateway over loopback with
// that key (see gateway-client.ts), so the key is checked twice: here, to
// answer 401 before any MCP is spoken, and by each API call it makes.
import { Controller, Delete, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { currentRequestContext } from '@pn/service-kit';
import { ApiKeyGuard, ReadOnlyOperation } from '../accounts/guards.js';
import { GatewayClient } from './gateway-client.js';

// The MCP SDK and the tool table (zod) are loaded on the first /mcp call, not
// at boot: they add about 0.2 s to every gateway start, for an endpoint many
// gateways never serve.
let mcp: Promise<[typeof import('./mcp-server.js'), typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')]> | undefined;
const loadMcp = () => (mcp ??= Promise.all([import('./mcp-server.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]));

/** This gateway, as the request reached it: the loopback calls stay on the instance that serves the agent. */
function ownUrl(request: Request): string {
  const { localAddress = '127.0.0.1', localPort } = request.socket;
  return `http://${localAddress.includes(':') ? `[${localAddress}]` : localAddress}:${localPort}`;
}

function methodNotAllowed(response: Response) {
  response.setHeader('Allow', 'POST');
  return { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless, use POST' }, id: null };
}

@Controller('mcp')
@UseGuards(ApiKeyGuard)
// A POST to /mcp may only read (tools/list, list_vms): whether a tool may
// write is decided by the API call it makes, with the same key's scope.
@ReadOnlyOperation()
export class McpController {
  @Post()
  async call(@Req() request: Request, @Res() response: Response): Promise<void> {
    const [{ createMcpServer }, { StreamableHTTPServerTransport }] = await loadMcp();
    const server = createMcpServer(new GatewayClient(ownUrl(request), String(request.headers['x-api-key']), currentRequestContext()?.requestId));
    // JSON answers rather than an SSE stream: every tool answers once, and plain JSON passes any proxy.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => void server.close());
    await server.connect(transport);
    // The body is already parsed and checked by the gateway's JSON middleware (json-body.ts).
    await transport.handleRequest(request, response, request.body);
  }

  /** No sessions, so no server-initiated stream (GET), as the spec allows. */
  @Get()
  @HttpCode(405)
  stream(@Res({ passthrough: true }) response: Response) {
    return methodNotAllowed(response);
  }

  /** No sessions, so nothing to end (DELETE). */
  @Delete()
  @HttpCode(405)
  end(@Res({ passthrough: true }) response: Response) {
    return methodNotAllowed(response);
  }
}
