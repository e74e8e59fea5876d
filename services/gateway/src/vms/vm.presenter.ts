// A VM in the API's JSON (snake_case, as in the MoltbotDen article).
import type { Vm } from '@pn/contracts';

export const presentVm = (vm: Vm) => ({
  id: vm.id,
  name: vm.name,
  status: vm.status,
  region: vm.region,
  private_ip: vm.privateIp || null,
  public_ip: vm.publicIp ?? null,
  specs: { vcpus: vm.specs?.vcpus ?? 0, memory_gb: vm.specs?.memoryGb ?? 0, disk_gb: vm.specs?.diskGb ?? 0 },
  project: vm.project,
  created_at: vm.createdAt,
});
