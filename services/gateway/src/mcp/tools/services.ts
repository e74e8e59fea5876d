// Managed services: databases, caches and buckets, private by default.
import { z } from 'zod';
import { resourceShape, serviceShape } from '../shapes.js';
import { CREATE_NOTES, CREATES, createBody, idempotencyKeyArg, nameArg, projectArg, regionArg } from './common.js';
import { defineTool } from './tool-spec.js';

export const serviceTools = [
  defineTool({
    name: 'create_database',
    title: 'Create a PostgreSQL database',
    description: [
      'Creates a managed PostgreSQL database in a project private network and waits until it is available.',
      'Returns it with id (db_…), private_ip, private_host (<name>.internal) and port 5432: from a VM of the same project connect to postgresql://…@<name>.internal:5432. It has no public address.',
      CREATE_NOTES,
    ].join(' '),
    input: {
      name: nameArg('database'),
      project: projectArg,
      region: regionArg,
      engine: z.string().optional().describe('postgresql (the only one, and the default)'),
      version: z.string().optional().describe('16, 17 or 18'),
      idempotency_key: idempotencyKeyArg,
    },
    output: serviceShape,
    annotations: CREATES,
    request: (args) => ({ method: 'POST', path: '/v1/hosting/databases', body: createBody(args), idempotencyKey: args.idempotency_key }),
  }),
  defineTool({
    name: 'create_cache',
    title: 'Create a Redis cache',
    description: [
      'Creates a managed Redis cache in a project private network and waits until it is available.',
      'Returns it with id (cache_…), private_ip, private_host (<name>.internal) and port 6379; reachable only from the same project.',
      CREATE_NOTES,
    ].join(' '),
    input: {
      name: nameArg('cache'),
      project: projectArg,
      region: regionArg,
      engine: z.string().optional().describe('redis (the only one, and the default)'),
      version: z.string().optional().describe('7.2'),
      idempotency_key: idempotencyKeyArg,
    },
    output: serviceShape,
    annotations: CREATES,
    request: (args) => ({ method: 'POST', path: '/v1/hosting/caches', body: createBody(args), idempotencyKey: args.idempotency_key }),
  }),
  defineTool({
    name: 'create_bucket',
    title: 'Create an object storage bucket',
    description: [
      'Creates an object storage bucket in a project private network.',
      'Returns it with id (bkt_…), private_ip and private_host (<name>.storage.internal), reachable from the same project.',
      CREATE_NOTES,
    ].join(' '),
    input: { name: nameArg('bucket'), project: projectArg, region: regionArg, idempotency_key: idempotencyKeyArg },
    output: resourceShape,
    annotations: CREATES,
    request: (args) => ({ method: 'POST', path: '/v1/hosting/buckets', body: createBody(args), idempotencyKey: args.idempotency_key }),
  }),
];
