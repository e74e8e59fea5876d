// resources.vm.ports.* and resources.vm.domains.*: a VM's open ports (the
// first gives it a public address, closing the last gives it back) and its
// custom domains (claimed across every account, pending until their records
// are found). Another account's VM is "not found", like everywhere else.
import { randomBytes } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { routes, type DomainRef, type OpenPortRequest, type PortRef } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { domainStreamId, normalizeDomain, recordsToCreate, verificationProblem, type CustomDomainFacts, type ResourceFacts } from '@pn/resources-domain';
import { Rpc } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { newId } from '../ids.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { DomainVerifier } from './domain-verifier.js';
import { settlePublicAddress } from './settle.js';

@Controller()
export class ExposureController {
  constructor(
    private readonly provisioner: Provisioner,
    private readonly directory: ResourceDirectory,
    private readonly verifier: DomainVerifier,
  ) {}

  @Rpc(routes.openPort)
  async openPort(request: OpenPortRequest) {
    const resourceId = this.ownedVm(request).request.resourceId;
    const opened = await this.provisioner.execute({ type: 'OpenPort', resourceId, port: request.port, protocol: request.protocol, leaseId: newId('pip'), now: new Date() });
    await settlePublicAddress(this.provisioner, resourceId, opened);
    return this.ports(resourceId);
  }

  @Rpc(routes.closePort)
  async closePort(request: PortRef) {
    const resourceId = this.ownedVm(request).request.resourceId;
    const closed = await this.provisioner.execute({ type: 'ClosePort', resourceId, port: request.port, now: new Date() });
    await settlePublicAddress(this.provisioner, resourceId, closed);
    return this.ports(resourceId);
  }

  @Rpc(routes.listPorts)
  listPorts(request: PortRef) {
    return this.ports(this.ownedVm(request).request.resourceId);
  }

  @Rpc(routes.addDomain)
  async addDomain(request: DomainRef) {
    const vm = this.ownedVm(request);
    const resourceId = vm.request.resourceId;
    const domain = normalizeDomain(request.domain);
    const existing = vm.domains.find((d) => d.domain === domain);
    if (existing) return this.domainView(vm, existing);
    if (vm.publicLease?.ip === undefined) throw new DomainError('no_public_address', `vm ${resourceId} has no public address: open a port first (POST …/ports)`, { field: 'domain' });
    // Claimed first, across every account and instance; given back if the VM then refuses it.
    await this.provisioner.claimDomain(domain, resourceId, request.accountId);
    try {
      const token = `pn-${randomBytes(16).toString('hex')}`;
      const state = (await this.provisioner.execute({ type: 'AddDomain', resourceId, domain, token, now: new Date() })) as ResourceFacts;
      return this.domainView(state, state.domains.find((d) => d.domain === domain)!);
    } catch (error) {
      await this.provisioner.domainClaims.handle(domainStreamId(domain), { type: 'ReleaseDomain', domain, resourceId, now: new Date() }).catch(() => undefined);
      throw error;
    }
  }

  @Rpc(routes.listDomains)
  listDomains(request: DomainRef) {
    const vm = this.ownedVm(request);
    return { resourceId: vm.request.resourceId, items: vm.domains.map((d) => this.domainView(vm, d)) };
  }

  @Rpc(routes.removeDomain)
  async removeDomain(request: DomainRef) {
    const vm = this.ownedVm(request);
    const domain = this.listed(vm, request.domain);
    const state = (await this.provisioner.removeDomain(vm.request.resourceId, domain.domain)) as ResourceFacts;
    return { resourceId: vm.request.resourceId, items: state.domains.map((d) => this.domainView(state, d)) };
  }

  @Rpc(routes.verifyDomain)
  async verifyDomain(request: DomainRef) {
    const vm = this.ownedVm(request);
    const domain = this.listed(vm, request.domain);
    if (domain.status === 'verified') return this.domainView(vm, domain);
    const ip = vm.publicLease?.ip ?? '';
    const problem = verificationProblem(await this.verifier.lookup(domain.domain), ip, domain.token, domain.domain) ?? (ip ? undefined : 'the VM has no public address');
    const state = (await this.provisioner.execute({ type: 'VerifyDomain', resourceId: vm.request.resourceId, domain: domain.domain, found: problem === undefined, now: new Date() })) as ResourceFacts;
    return { ...this.domainView(state, state.domains.find((d) => d.domain === domain.domain)!), problem: problem ?? '' };
  }

  private ports(resourceId: string) {
    const vm = this.directory.get(resourceId)!;
    return { resourceId, ports: vm.ports.map((p) => ({ port: p.port, protocol: p.protocol })), ...(vm.publicLease?.ip ? { publicIp: vm.publicLease.ip } : {}) };
  }

  private domainView(vm: ResourceFacts, d: CustomDomainFacts) {
    return {
      domain: d.domain,
      status: d.status,
      records: recordsToCreate(d.domain, vm.publicLease?.ip ?? '', d.token),
      addedAt: d.addedAt.toISOString(),
      verifiedAt: d.verifiedAt?.toISOString() ?? '',
      problem: '',
    };
  }

  private listed(vm: ResourceFacts, raw: string): CustomDomainFacts {
    const domain = normalizeDomain(raw);
    const found = vm.domains.find((d) => d.domain === domain);
    if (!found) throw new DomainError('not_found', `domain ${domain} is not on this VM`, { field: 'domain' });
    return found;
  }

  private ownedVm(ref: { accountId: string; resourceId: string }): ResourceFacts {
    const state = this.directory.get(ref.resourceId);
    if (!state || state.request.accountId !== ref.accountId || state.request.kind !== 'vm') throw new DomainError('not_found', `vm ${ref.resourceId} not found`);
    return state;
  }
}
