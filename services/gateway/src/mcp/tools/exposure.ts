// What of a VM faces the internet: public ports and custom domains. Private
// by default; these are for traffic from outside the platform only.
import { z } from 'zod';
import { apiPath } from '../gateway-client.js';
import { domainShape, portsShape } from '../shapes.js';
import { changes } from './common.js';
import { defineTool } from './tool-spec.js';

const vmId = z.string().describe('the VM id, vm_… (from create_vm or list_vms)');
const id = (args: { id: string }) => ({ value: args.id, field: 'id' });
const port = z.number().int().describe('the port, 1–65535');

export const exposureTools = [
  defineTool({
    name: 'open_port',
    title: 'Open a public port',
    description:
      'Makes a port of a VM reachable from the internet (browsers, webhooks, your laptop). The first open port gives the VM a public_ip. Returns {id, public_ip, ports}. Only for traffic from outside: VMs of one project already reach each other privately by name, so never open a database port for a sibling VM. Opening an open port again changes nothing; the same port with the other protocol is the error port_conflict.',
    input: { id: vmId, port, protocol: z.string().describe('"http" or "tcp" (raw TCP)') },
    output: portsShape,
    annotations: changes(false, true),
    request: (args) => ({ method: 'POST', path: apiPath`/v1/hosting/vms/${id(args)}/ports`, body: { port: args.port, protocol: args.protocol } }),
  }),
  defineTool({
    name: 'close_port',
    title: 'Close a public port',
    description:
      'Stops a public port of a VM being reachable from the internet; closing the last one gives the public_ip back (refused with domains_attached while the VM has custom domains). Returns {id, public_ip, ports}. Private access by name is not affected.',
    input: { id: vmId, port },
    output: portsShape,
    annotations: changes(true, true),
    request: (args) => ({ method: 'DELETE', path: apiPath`/v1/hosting/vms/${id(args)}/ports/${{ value: args.port, field: 'port' }}` }),
  }),
  defineTool({
    name: 'add_domain',
    title: 'Attach a custom domain',
    description:
      'Attaches a custom domain (e.g. api.shop.example.com) to a VM with a public address (open_port first, or use a nodejs-24 VM, whose :3000 is public from the start). Returns status "pending" and the records the domain owner must create at their DNS provider: an A record to the public_ip and a TXT _pn-challenge record; the domain stays pending until both are found. Adding the same domain again changes nothing.',
    input: { id: vmId, domain: z.string().describe('a public DNS name, not .internal') },
    output: domainShape,
    annotations: changes(false, true),
    request: (args) => ({ method: 'POST', path: apiPath`/v1/hosting/vms/${id(args)}/domains`, body: { domain: args.domain } }),
  }),
];
