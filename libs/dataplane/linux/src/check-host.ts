// Can this host run the data plane? For `npm start`, which starts the agent
// when it can and says why not otherwise (no root, a tool missing).
import { run } from './run.js';

export type HostCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const TOOLS: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ['ip', ['-V'], 'iproute2'],
  ['nft', ['--version'], 'nftables'],
  ['conntrack', ['--version'], 'conntrack'],
  // The flow meter's DESTROY listener (a netlink socket per network, which Node cannot open): services/host-agent.
  ['python3', ['--version'], 'python3'],
];

export async function checkHost(options: { readonly workloads?: boolean } = {}): Promise<HostCheck> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the data plane needs root (CAP_NET_ADMIN)' };
  const tools = options.workloads ? [...TOOLS, ['redis-server', ['--version'], 'redis-server'] as const, ['/usr/lib/postgresql/15/bin/postgres', ['--version'], 'postgresql-15'] as const] : TOOLS;
  for (const [file, args, pkg] of tools) {
    const found = await run(file, args).then(
      () => true,
      () => false,
    );
    if (!found) return { ok: false, reason: `${file} is missing (Debian package ${pkg})` };
  }
  return { ok: true };
}
