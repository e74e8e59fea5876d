// Which namespaces the plane's own applies changed while a drift pass was
// reading. A drift pass reads the whole host (100 VMs: ~180 ms of `ip`/`nft`)
// outside the apply queue, so that a create arriving meanwhile does not wait
// for it (it did, and create → reachable had a p99 of 250–500 ms against a
// p50 of ~110). In the queue the pass plans on that reading, bar the
// namespaces an apply executed on after it began: those are read again, then
// (a reading older than the apply, or made while it ran, would lack what it
// made, and the pass would "repair" it away). An apply's namespaces are
// noted when its execution ends, so a reading begun while it ran sees them.
import type { Action } from './actions.js';

/** The namespaces an action changes: its own, and a veth's far end (`… peer name <p> netns <ns>`). */
export function namespacesTouchedBy(action: Action): string[] {
  if (action.type !== 'ip') return [action.namespace];
  const far = action.lines.flatMap((line) => line.flatMap((token, i) => (token === 'netns' && line[i + 1] !== undefined ? [line[i + 1]!] : [])));
  return [action.namespace, ...far];
}

/** Collects what applies touch, for each reading under way. */
export class TouchedSince {
  private readonly open = new Set<Set<string>>();

  /** From now until `stop`, the namespaces touched. */
  begin(): Set<string> {
    const since = new Set<string>();
    this.open.add(since);
    return since;
  }

  stop(since: Set<string>): void {
    this.open.delete(since);
  }

  /** An apply's actions, once executed. */
  note(actions: readonly Action[]): void {
    if (this.open.size === 0) return;
    for (const action of actions) for (const ns of namespacesTouchedBy(action)) for (const since of this.open) since.add(ns);
  }
}
