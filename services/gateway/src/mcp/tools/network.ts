// Projects (one private network each), the network's map, and its DNS.
import { z } from 'zod';
import { page, projectShape, resolveShape, topologyShape } from '../shapes.js';
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
];
