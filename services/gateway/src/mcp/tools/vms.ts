// VM tools: /v1/hosting/vms and its stop, start and delete.
import { z } from 'zod';
import { apiPath } from '../gateway-client.js';
import { deletedShape, page, vmShape } from '../shapes.js';
import { CREATE_NOTES, CREATES, READS, changes, createBody, idempotencyKeyArg, nameArg, pageArgs, projectArg, regionArg } from './common.js';
import { defineTool } from './tool-spec.js';

const vmId = z.string().describe('the VM id, vm_… (from create_vm or list_vms)');
const id = (args: { id: string }) => ({ value: args.id, field: 'id' });

export const vmTools = [
  defineTool({
    name: 'create_vm',
    title: 'Create a VM',
    description: [
      'Creates a VM in a project private network and waits until it is running.',
      'Returns the VM: id, status "running", private_ip (10.x), and image. Other resources of the same project reach it as <name> or <name>.vm.internal, so name it for its role ("db", "api") and connect by that name instead of passing IPs around.',
      'image: postgres-18 (PostgreSQL on :5432, credentials in /root/.postgres-credentials, stays private), nodejs-24 (your app on :3000, which is exposed publicly at once: see public_url), redis-7 (:6379), ubuntu-24 (nothing); none when absent.',
      'status "provisioning" means a platform service is briefly down: it completes on its own; poll get_vm.',
      CREATE_NOTES,
    ].join(' '),
    input: {
      name: nameArg('VM'),
      image: z.string().optional().describe('postgres-18, nodejs-24, redis-7 or ubuntu-24'),
      project: projectArg,
      region: regionArg,
      specs: z
        .object({
          vcpus: z.number().int().describe('1–64'),
          memory_gb: z.number().int().describe('1–512'),
          disk_gb: z.number().int().describe('10–4096'),
        })
        .optional()
        .describe('size; 2 vCPUs, 4 GB memory, 80 GB disk when absent'),
      idempotency_key: idempotencyKeyArg,
    },
    output: vmShape,
    annotations: CREATES,
    request: (args) => ({ method: 'POST', path: '/v1/hosting/vms', body: createBody(args), idempotencyKey: args.idempotency_key }),
  }),
  defineTool({
    name: 'list_vms',
    title: 'List VMs',
    description:
      'Lists the account VMs, oldest first, a page at a time, each with id, name, status, private_ip, public_ip and public_url. Pass project to see one project only. Use it to find a VM id or private IP; when next_cursor is not null, call again with it for the next page.',
    input: { project: projectArg.describe('only the VMs of this project; every project when absent'), ...pageArgs },
    output: page(vmShape),
    annotations: READS,
    request: (args) => ({ method: 'GET', path: '/v1/hosting/vms', query: { project: args.project, limit: args.limit, cursor: args.cursor } }),
  }),
  defineTool({
    name: 'get_vm',
    title: 'Get a VM',
    description:
      'Returns one VM by id: status (provisioning, running, stopped, deleting, failed), private_ip, public_ip, public_ports and public_url. Use it to check on a VM after a create answered "provisioning", or before connecting to it.',
    input: { id: vmId },
    output: vmShape,
    annotations: READS,
    request: (args) => ({ method: 'GET', path: apiPath`/v1/hosting/vms/${id(args)}` }),
  }),
  defineTool({
    name: 'stop_vm',
    title: 'Stop a VM',
    description:
      'Stops a running VM (whatever runs on it stops). It keeps its private IP and DNS names; start_vm brings it back. Returns the VM with status "stopped". Stopping a stopped VM changes nothing.',
    input: { id: vmId },
    output: vmShape,
    annotations: changes(true, true),
    request: (args) => ({ method: 'POST', path: apiPath`/v1/hosting/vms/${id(args)}/stop` }),
  }),
  defineTool({
    name: 'start_vm',
    title: 'Start a VM',
    description: 'Starts a stopped VM, at the same private IP and names. Returns the VM with status "running". Starting a running VM changes nothing.',
    input: { id: vmId },
    output: vmShape,
    annotations: changes(false, true),
    request: (args) => ({ method: 'POST', path: apiPath`/v1/hosting/vms/${id(args)}/start` }),
  }),
  defineTool({
    name: 'delete_vm',
    title: 'Delete a VM',
    description:
      'Deletes a VM for good: its DNS names stop resolving at once, its public ports and domains are given up, and its private IP is quarantined. Returns {id, status: "deleted"}, or the VM with status "deleting" while a platform service is down (it completes on its own). Cannot be undone: make sure of the id.',
    input: { id: vmId },
    output: deletedShape,
    annotations: changes(true, true),
    request: (args) => ({ method: 'DELETE', path: apiPath`/v1/hosting/vms/${id(args)}` }),
    // 204 has no body: say what happened.
    present: (body, args) => (body === undefined ? { id: args.id, status: 'deleted' } : (body as Record<string, unknown>)),
  }),
];
