// What observe() would read once a layout is in place: the planner's tests
// start from it ("the host already matches") and change one thing.
import type { Layout } from '../layout.js';
import { routeKey, type ObservedHost, type ObservedNamespace } from '../observed.js';

export function kernelAfter(layout: Layout): ObservedHost {
  const namespaces: Record<string, ObservedNamespace> = {};
  for (const spec of layout.namespaces) {
    namespaces[spec.name] = {
      name: spec.name,
      links: [
        { name: 'lo', up: true, addresses: ['127.0.0.1/8'] },
        ...spec.links.map((l) => ({ name: l.name, up: l.up, addresses: l.addresses, ...(l.master !== undefined && { master: l.master }) })),
      ],
      routes: spec.routes.map((r) => routeKey(r.dst, r.via, r.dev)),
      tables: spec.nft ? spec.nft.tables.map((t) => ({ ...t, comment: spec.nft!.fingerprint })) : [],
      ...(spec.resolvConf !== undefined && { resolvConf: spec.resolvConf }),
    };
  }
  return { namespaces };
}

/** The same host with one namespace changed. */
export function withNamespace(host: ObservedHost, name: string, change: (ns: ObservedNamespace) => ObservedNamespace | null): ObservedHost {
  const namespaces = { ...host.namespaces };
  const changed = change(namespaces[name]!);
  if (changed) namespaces[name] = changed;
  else delete namespaces[name];
  return { namespaces };
}
