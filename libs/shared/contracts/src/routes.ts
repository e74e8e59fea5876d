// Every request/reply on the bus: its subject and the schemas of both halves.
// Clients and handlers take a route, so a subject can never be paired with
// the wrong message type.
import type { DescMessage } from '@bufbuild/protobuf';
import {
  AllocateAddressReplySchema,
  AllocateAddressRequestSchema,
  AllocatePublicAddressReplySchema,
  AllocatePublicAddressRequestSchema,
  PublicPoolRangeRequestSchema,
  PublicPoolRangesReplySchema,
  ReleasePublicAddressReplySchema,
  ReleasePublicAddressRequestSchema,
  ReleaseAddressReplySchema,
  ReleaseAddressRequestSchema,
} from './gen/pn/ipam/v1/messages_pb.js';
import {
  RegisterRecordsReplySchema,
  RegisterRecordsRequestSchema,
  RemoveRecordsReplySchema,
  RemoveRecordsRequestSchema,
  ResolveReplySchema,
  ResolveRequestSchema,
} from './gen/pn/dns/v1/messages_pb.js';
import {
  ChangePowerRequestSchema,
  CreateResourceRequestSchema,
  DomainListSchema,
  DomainRefSchema,
  CustomDomainSchema,
  OpenPortRequestSchema,
  PortListSchema,
  PortRefSchema,
  EnsureProjectRequestSchema,
  GetTopologyRequestSchema,
  ListProjectsRequestSchema,
  ListResourcesRequestSchema,
  ProjectListSchema,
  ProjectSchema,
  ReachabilitySchema,
  ReachabilityRequestSchema,
  ResourceHistoryRequestSchema,
  ResourceHistorySchema,
  ResourceListSchema,
  ResourceRefSchema,
  ResourceSchema,
  SetPublicAccessRequestSchema,
  TopologySchema,
} from './gen/pn/resources/v1/messages_pb.js';
import { BillingReportRequestSchema, BillingReportSchema } from './gen/pn/billing/v1/messages_pb.js';

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
  createResource: route('resources.resource.create', CreateResourceRequestSchema, ResourceSchema),
  getResource: route('resources.resource.get', ResourceRefSchema, ResourceSchema),
  listResources: route('resources.resource.list', ListResourcesRequestSchema, ResourceListSchema),
  deleteResource: route('resources.resource.delete', ResourceRefSchema, ResourceSchema),
  resourceHistory: route('resources.resource.history', ResourceHistoryRequestSchema, ResourceHistorySchema),
  changePower: route('resources.vm.power', ChangePowerRequestSchema, ResourceSchema),
  setPublicAccess: route('resources.resource.public-access', SetPublicAccessRequestSchema, ResourceSchema),
  ensureProject: route('resources.project.ensure', EnsureProjectRequestSchema, ProjectSchema),
  createProject: route('resources.project.create', EnsureProjectRequestSchema, ProjectSchema),
  listProjects: route('resources.project.list', ListProjectsRequestSchema, ProjectListSchema),
  getTopology: route('resources.topology.get', GetTopologyRequestSchema, TopologySchema),
  allocateAddress: route('ipam.address.allocate', AllocateAddressRequestSchema, AllocateAddressReplySchema),
  releaseAddress: route('ipam.address.release', ReleaseAddressRequestSchema, ReleaseAddressReplySchema),
  registerRecords: route('dns.records.register', RegisterRecordsRequestSchema, RegisterRecordsReplySchema),
  removeRecords: route('dns.records.remove', RemoveRecordsRequestSchema, RemoveRecordsReplySchema),
  resolve: route('dns.resolve', ResolveRequestSchema, ResolveReplySchema),
  // Public exposure: the public pool (ipam), VM ports and custom domains (resources).
  allocatePublicAddress: route('ipam.public.allocate', AllocatePublicAddressRequestSchema, AllocatePublicAddressReplySchema),
  releasePublicAddress: route('ipam.public.release', ReleasePublicAddressRequestSchema, ReleasePublicAddressReplySchema),
  addPublicPoolRange: route('ipam.public.ranges.add', PublicPoolRangeRequestSchema, PublicPoolRangesReplySchema),
  removePublicPoolRange: route('ipam.public.ranges.remove', PublicPoolRangeRequestSchema, PublicPoolRangesReplySchema),
  openPort: route('resources.vm.ports.open', OpenPortRequestSchema, PortListSchema),
  closePort: route('resources.vm.ports.close', PortRefSchema, PortListSchema),
  listPorts: route('resources.vm.ports.list', PortRefSchema, PortListSchema),
  addDomain: route('resources.vm.domains.add', DomainRefSchema, CustomDomainSchema),
  listDomains: route('resources.vm.domains.list', DomainRefSchema, DomainListSchema),
  removeDomain: route('resources.vm.domains.remove', DomainRefSchema, DomainListSchema),
  verifyDomain: route('resources.vm.domains.verify', DomainRefSchema, CustomDomainSchema),
  // Reachability: can a resource reach a destination on a port, and if not, why.
  checkReachability: route('resources.network.reachability', ReachabilityRequestSchema, ReachabilitySchema),
  // Billing: usage, invoices and rejected records of an account's month.
  billingUsage: route('billing.usage.get', BillingReportRequestSchema, BillingReportSchema),
  billingInvoice: route('billing.invoice.get', BillingReportRequestSchema, BillingReportSchema),
  billingRejected: route('billing.rejected.list', BillingReportRequestSchema, BillingReportSchema),
} as const;
