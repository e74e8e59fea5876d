// Where a dns worker comes from: the built script, and for port 0 a port that
// the primary picks once for all workers, free for UDP and TCP alike.
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net, { isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A port free for both UDP and TCP on `host` (as DnsServer picks one for port 0). */
export async function freeTwinPort(host: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcp = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen({ port, host, exclusive: true }, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (free) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (free || attempt >= 20) return port;
  }
}

/** The built worker: tests run this file as TypeScript, but a forked worker runs the build beside it. */
export function workerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, 'dns-worker.js');
  if (existsSync(built)) return built;
  const fromSource = join(here, '..', '..', 'dist', 'dns-listener', 'dns-worker.js');
  if (existsSync(fromSource)) return fromSource;
  throw new Error(`no built dns worker at ${built} or ${fromSource}: build the dns service first`);
}
