// What the data plane needs of the host: root (CAP_NET_ADMIN, namespaces)
// and the tools it drives. Said as a reason, so `npm start` and the agent
// can tell the user why there is no data plane rather than fail halfway.
import { execFileSync } from 'node:child_process';

const TOOLS = [
  ['ip', ['-V'], 'iproute2'],
  ['nft', ['--version'], 'nftables'],
] as const;

export function dataPlaneBlocker(): string | undefined {
  if (process.platform !== 'linux') return `the data plane runs on Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'the data plane needs root (CAP_NET_ADMIN): run as root, or without a data plane';
  for (const [tool, args, pkg] of TOOLS) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      return `\`${tool}\` is missing (Debian: apt-get install ${pkg})`;
    }
  }
  return undefined;
}
