// Every request/reply on the bus: its subject and the schemas of both halves.
// Clients and handlers take a route, so a subject can never be paired with
// the wrong message type.
import type { DescMessage } from '@bufbuild/protobuf';
import { AllocateAddressReplySchema, AllocateAddressRequestSchema } from './gen/pn/ipam/v1/messages_pb.js';
import {
  RegisterRecordsReplySchema,
  RegisterRecordsRequestSchema,
  ResolveReplySchema,
  ResolveRequestSchema,
} from './gen/pn/dns/v1/messages_pb.js';
import {
  CreateVmRequestSchema,
  EnsureProjectRequestSchema,
  GetTopologyRequestSchema,
  GetVmRequestSchema,
  ProjectSchema,
  TopologySchema,
  VmSchema,
} from './gen/pn/resources/v1/messages_pb.js';

export interface Route<Req extends DescMessage = DescMessage, Res extends DescMessage = DescMessage> {
  readonly subject: string;
  readonly request: Req;
  readonly reply: Res;
}

const route = <Req extends DescMessage, Res extends DescMessage>(subject: string, request: Req, reply: Res): Route<Req, Res> => ({
  subject,
  request,
  reply,
});

export const routes = {
  createVm: route('resources.vm.create', CreateVmRequestSchema, VmSchema),
  getVm: route('resources.vm.get', GetVmRequestSchema, VmSchema),
  ensureProject: route('resources.project.ensure', EnsureProjectRequestSchema, ProjectSchema),
  getTopology: route('resources.topology.get', GetTopologyRequestSchema, TopologySchema),
  allocateAddress: route('ipam.address.allocate', AllocateAddressRequestSchema, AllocateAddressReplySchema),
  registerRecords: route('dns.records.register', RegisterRecordsRequestSchema, RegisterRecordsReplySchema),
  resolve: route('dns.resolve', ResolveRequestSchema, ResolveReplySchema),
} as const;
