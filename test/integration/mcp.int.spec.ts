// The MCP server as an agent meets it: the SDK's own client over streamable
// HTTP against /mcp on the running gateway, and over stdio against the built
// entry (services/gateway/dist/mcp/stdio.js, built by `npm test`), spawned as
// a desktop agent would. The tools are a thin adapter over the HTTP API, so
// what is checked here is the adapter: names, schemas, hints, idempotency
// keys passed through, and the API's errors surfacing as tool errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('mcp suite');
const STDIO_ENTRY = join(import.meta.dirname, '..', '..', 'services', 'gateway', 'dist', 'mcp', 'stdio.js');

const TOOL_NAMES = [
  'create_vm',
  'list_vms',
  'get_vm',
  'stop_vm',
  'start_vm',
  'delete_vm',
  'open_port',
  'close_port',
  'add_domain',
  'create_database',
  'create_cache',
  'create_bucket',
  'create_project',
  'list_projects',
  'get_topology',
  'resolve_name',
  'check_reachability',
  'get_usage',
];

const clients: Client[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
});

async function connectHttp(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'mcp-suite', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${ctx.platform.url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

type Structured = Record<string, any>;

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Structured;
}

/** A tool error's text: the API's error body and status. */
async function callFailing(client: Client, name: string, args: Record<string, unknown>): Promise<{ status: number; error: Structured }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBe(true);
  const [first] = result.content;
  return JSON.parse(first?.type === 'text' ? first.text : '{}');
}

describe('MCP over streamable HTTP at /mcp', () => {
  it('refuses a request without a valid API key with 401, before any MCP is spoken', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const post = (headers: Record<string, string>) =>
      fetch(`${ctx.platform.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'pk_wrong' }, { authorization: 'Bearer pk_wrong' }, { authorization: `Bearer ${ctx.platform.adminToken}` }];
    for (const headers of attempts) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      expect(((await response.json()) as Structured).error.code).toBe('unauthorized');
    }
    await expect(connectHttp({})).rejects.toThrow();
  });

  it('is stateless: GET and DELETE (sessions, server streams) are 405', async () => {
    const key = await ctx.newKey();
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${ctx.platform.url}/mcp`, { method, headers: { 'x-api-key': key } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('lists every tool of the article with its schemas, hints and an idempotency_key on creates', async () => {
    const client = await connectHttp({ 'x-api-key': await ctx.newKey() });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations).toEqual(
        expect.objectContaining({ readOnlyHint: expect.any(Boolean), destructiveHint: expect.any(Boolean), idempotentHint: expect.any(Boolean) }),
      );
      const isCreate = tool.name.startsWith('create_');
      expect(Object.hasOwn(tool.inputSchema.properties ?? {}, 'idempotency_key')).toBe(isCreate);
      if (isCreate) {
        expect(tool.description).toMatch(/idempotency_key/);
        expect(tool.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
        expect(JSON.stringify(tool.inputSchema.properties!.idempotency_key)).toMatch(/SAME idempotency_key.*duplicate/);
      }
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('create_vm')!.inputSchema.required).toEqual(['name']);
    for (const read of ['list_vms', 'get_vm', 'list_projects', 'get_topology', 'resolve_name']) expect(byName.get(read)!.annotations?.readOnlyHint).toBe(true);
    for (const destructive of ['delete_vm', 'stop_vm', 'close_port']) expect(byName.get(destructive)!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get('open_port')!.annotations).toMatchObject({ destructiveHint: false, idempotentHint: true });
  });

  it('creates one VM for two calls with one idempotency_key', async () => {
    const client = await connectHttp({ 'x-api-key': await ctx.newKey() });
    const args = { name: 'agent-worker-1', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 }, idempotency_key: 'mcp-suite-create-1' };
    const first = await call(client, 'create_vm', args);
    expect(first).toMatchObject({ id: expect.stringMatching(/^vm_/), name: 'agent-worker-1', status: 'running', private_ip: '10.0.1.1', public_ip: null });
    const retry = await call(client, 'create_vm', args);
    expect(retry.id).toBe(first.id);
    const list = await call(client, 'list_vms');
    expect(list.items.map((vm: Structured) => vm.id)).toEqual([first.id]);
    // The same key for another body is the API's refusal, as a tool error.
    const reused = await callFailing(client, 'create_vm', { ...args, name: 'agent-worker-2' });
    expect(reused).toMatchObject({ status: 422, error: { code: 'idempotency_key_reused' } });
  });

  it('gets, stops, starts and deletes a VM, and says 404 once it is gone', async () => {
    // Bearer, as MCP clients send a token.
    const client = await connectHttp({ authorization: `Bearer ${await ctx.newKey()}` });
    const vm = await call(client, 'create_vm', { name: 'worker', image: 'ubuntu-24', idempotency_key: 'mcp-suite-life' });
    expect(await call(client, 'get_vm', { id: vm.id })).toMatchObject({ id: vm.id, status: 'running', private_ip: vm.private_ip });
    expect(await call(client, 'stop_vm', { id: vm.id })).toMatchObject({ id: vm.id, status: 'stopped', private_ip: vm.private_ip });
    expect(await call(client, 'start_vm', { id: vm.id })).toMatchObject({ id: vm.id, status: 'running', private_ip: vm.private_ip });
    expect(await call(client, 'delete_vm', { id: vm.id })).toEqual({ id: vm.id, status: 'deleted' });
    expect(await callFailing(client, 'get_vm', { id: vm.id })).toMatchObject({ status: 404, error: { code: 'not_found' } });
    expect((await call(client, 'list_vms')).items).toEqual([]);
  });

  it('answers the API’s error, code, message and field, as a tool error', async () => {
    const client = await connectHttp({ 'x-api-key': await ctx.newKey() });
    const bad = await callFailing(client, 'create_vm', { name: 'Bad_Name!' });
    expect(bad.status).toBe(400);
    expect(['invalid_name', 'validation_failed']).toContain(bad.error.code);
    expect(bad.error).toMatchObject({ field: 'name', message: expect.stringMatching(/name/) });
    // A path argument that URL parsing would resolve away is refused, not sent elsewhere.
    expect(await callFailing(client, 'delete_vm', { id: '..' })).toMatchObject({ status: 400, error: { code: 'validation_failed', field: 'id' } });
  });

  it('leaves scopes to the API: a read key reads, and its writes are 403 tool errors', async () => {
    const key = await ctx.newKey();
    const made = await ctx.api('POST', '/v1/hosting/api-keys', { key, body: { name: 'reader', scope: 'read' } });
    expect(made.status).toBe(201);
    const client = await connectHttp({ 'x-api-key': made.body.api_key });
    expect((await call(client, 'list_vms')).items).toEqual([]);
    expect(await callFailing(client, 'create_vm', { name: 'nope' })).toMatchObject({ status: 403, error: { code: 'insufficient_scope' } });
  });

  it('drives the article’s worked example: a project, a db and an api VM, the network, and db by name', async () => {
    const client = await connectHttp({ 'x-api-key': await ctx.newKey() });
    const shop = await call(client, 'create_project', { name: 'shop', idempotency_key: 'shop-1' });
    expect(shop).toMatchObject({ name: 'shop', private_cidr: '10.0.0.0/16' });
    const db = await call(client, 'create_vm', { name: 'db', image: 'postgres-18', project: 'shop', idempotency_key: 'db-1' });
    const apiVm = await call(client, 'create_vm', { name: 'api', image: 'nodejs-24', project: 'shop', idempotency_key: 'api-1' });
    expect(db).toMatchObject({ project: 'shop', public_ip: null });
    const topology = await call(client, 'get_topology', { project: 'shop' });
    expect(topology).toMatchObject({ project: 'shop', network_id: shop.network_id });
    expect(topology.resources.map((r: Structured) => r.name)).toEqual(['db', 'api']);
    expect(await call(client, 'resolve_name', { name: 'db', project: 'shop' })).toMatchObject({ rcode: 'NOERROR', addresses: [db.private_ip] });
    expect(await call(client, 'resolve_name', { name: 'db' })).toMatchObject({ rcode: 'NXDOMAIN' });
    expect((await call(client, 'list_projects')).items.map((p: Structured) => p.name).sort()).toEqual(['default', 'shop']);
    expect((await call(client, 'list_vms', { project: 'shop', limit: 1 })).items.map((v: Structured) => v.id)).toEqual([db.id]);
    const cache = await call(client, 'create_cache', { name: 'queue', project: 'shop', idempotency_key: 'queue-1' });
    expect(cache).toMatchObject({ private_host: 'queue.internal', port: 6379 });
    expect(apiVm.id).toMatch(/^vm_/);
    // The api reaches the db privately on its port; the db stays private.
    expect(await call(client, 'check_reachability', { source: apiVm.id, destination: 'db', port: 5432 })).toMatchObject({
      reachable: true,
      path: 'private',
      blocked_by: null,
    });
    const usage = await call(client, 'get_usage', { period: new Date().toISOString().slice(0, 7) });
    expect(usage).toMatchObject({ status: 'draft', totals: { egress_bytes: 0 } });
  });
});

describe('MCP over stdio', () => {
  it('is launched as a desktop agent launches it, and lists the account’s VMs', async () => {
    if (!existsSync(STDIO_ENTRY)) throw new Error(`${STDIO_ENTRY} is missing: build first (npm run build)`);
    const key = await ctx.newKey();
    const http = await connectHttp({ 'x-api-key': key });
    const vm = await call(http, 'create_vm', { name: 'from-http', idempotency_key: 'stdio-1' });
    const client = new Client({ name: 'mcp-suite-stdio', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [STDIO_ENTRY],
      env: { PN_API_KEY: key, PN_GATEWAY_URL: ctx.platform.url },
      stderr: 'pipe',
    });
    await client.connect(transport);
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    const list = await call(client, 'list_vms');
    expect(list.items).toEqual([expect.objectContaining({ id: vm.id, name: 'from-http', private_ip: vm.private_ip })]);
  });
});
