// What observe() would read once a layout is in place: the planner's tests
// start from it ("the host already matches") and change one thing.
import type { Layout } from '../layout.js';
import { expectedNamespace } from '../observe.js';
import type { ObservedHost, ObservedNamespace } from '../observed.js';

export const kernelAfter = (layout: Layout): ObservedHost => ({
  namespaces: Object.fromEntries(layout.namespaces.map((spec) => [spec.name, expectedNamespace(spec)])),
});

/** The same host with one namespace changed. */
export function withNamespace(host: ObservedHost, name: string, change: (ns: ObservedNamespace) => ObservedNamespace | null): ObservedHost {
  const namespaces = { ...host.namespaces };
  const changed = change(namespaces[name]!);
  if (changed) namespaces[name] = changed;
  else delete namespaces[name];
  return { namespaces };
}
