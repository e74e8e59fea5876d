// Projects (one private network each), the network's map, and its DNS.
import { z } from 'zod';
import { page, projectShape, reachabilityShape, resolveShape, topologyShape, usageShape } from '../shapes.js';
import { CREATE_NOTES, CREATES, READS, createBody, idempotencyKeyArg, nameArg, pageArgs, projectArg } from './common.js';
import { defineTool } from './tool-spec.js';

export const networkTools = [
  defineTool({
    name: 'create_project',
    title: 'Create a project',
    description: [
      'Creates a project: its own isolated private network (10.X.0.0/16).',
      'Resources created with the same project reach each other by name; other projects cannot reach them. Create one per application (e.g. "shop"), then pass its name as project to create_vm and the other create tools.',
      'Returns {id, name, network_id, private_cidr}. A name already in use is the error project_exists: the project is there, use it (list_projects shows them).',
      CREATE_NOTES,
    ].join(' '),
    input: {
      name: nameArg('project'),
      cidr: z.string().optional().describe('the network, 10.X.0.0/16; 10.0.0.0/16 when absent (networks of different projects may overlap)'),
      idempotency_key: idempotencyKeyArg,
    },
    output: projectShape,
    annotations: CREATES,
    request: (args) => ({ method: 'POST', path: '/v1/hosting/projects', body: createBody(args), idempotencyKey: args.idempotency_key }),
  }),
  defineTool({
    name: 'list_projects',
    title: 'List projects',
    description:
      'Lists the account projects (private networks), oldest first, with name, network_id and private_cidr; "default" is used by every call that names no project. When next_cursor is not null, call again with it.',
    input: { ...pageArgs },
    output: page(projectShape),
    annotations: READS,
    request: (args) => ({ method: 'GET', path: '/v1/hosting/projects', query: { limit: args.limit, cursor: args.cursor } }),
  }),
  defineTool({
    name: 'get_topology',
    title: 'Show a project network',
    description:
      'Shows one project private network: network_id, private_cidr and every resource in it with its type, id, name and private_ip, oldest first. Use it to see what can reach what (everything listed reaches everything else by name). When next_cursor is not null, call again with it.',
    input: { project: projectArg, ...pageArgs },
    output: topologyShape,
    annotations: READS,
    request: (args) => ({ method: 'GET', path: '/v1/hosting/network/topology', query: { project: args.project, limit: args.limit, cursor: args.cursor } }),
  }),
  defineTool({
    name: 'resolve_name',
    title: 'Resolve a private name',
    description:
      'Asks a project private DNS what a name resolves to, as a VM in that project would: "db", "db.vm.internal", "cache1.internal", "files.storage.internal" or "<id>.vm.internal". Returns rcode and addresses. Use it to check that a connection string by name will work before configuring an app with it.',
    input: {
      name: z.string().describe('the name to look up, bare ("db") or full ("db.vm.internal")'),
      project: projectArg,
    },
    output: resolveShape,
    annotations: READS,
    request: (args) => ({ method: 'GET', path: '/v1/hosting/network/resolve', query: { name: args.name, project: args.project } }),
  }),
  defineTool({
    name: 'check_reachability',
    title: 'Can A reach B?',
    description:
      'Answers whether a source resource can reach a destination on a port, and why not: {reachable, path: "private"|"public"|"none", hops, blocked_by: {code, component, reason}}. source is one of your resource ids; destination is a resource id, a private or public address, or a hostname ("db", "db.internal", a custom domain). Same project: private, free. Another project or account: only through a public address with that port open. Use it before wiring an app to a database, or to explain a connection that fails. Changes nothing.',
    input: {
      source: z.string().describe('your resource id, e.g. vm_01j9…'),
      destination: z.string().describe('a resource id, an address, or a hostname'),
      port: z.number().int().describe('the destination port, e.g. 5432'),
      protocol: z.enum(['tcp', 'udp']).optional().describe('tcp when absent'),
    },
    output: reachabilityShape,
    annotations: READS,
    request: (args) => ({
      method: 'POST',
      path: '/v1/hosting/network/reachability',
      body: { source: args.source, destination: args.destination, port: args.port, ...(args.protocol ? { protocol: args.protocol } : {}) },
    }),
  }),
  defineTool({
    name: 'get_usage',
    title: 'Show egress usage and charges',
    description:
      'Shows a month of network usage (UTC calendar month, YYYY-MM): bytes by class (private traffic between your resources is free; egress to the internet is billed; ingress is free), per project and per resource, the charges under the rate card, and hints (e.g. traffic to your own public address that the private hostname would have carried free). status is draft until the month is final.',
    input: {
      period: z.string().describe('YYYY-MM, e.g. 2026-11'),
      project: projectArg,
    },
    output: usageShape,
    annotations: READS,
    request: (args) => ({ method: 'GET', path: '/v1/hosting/billing/usage', query: { period: args.period, project: args.project } }),
  }),
];
