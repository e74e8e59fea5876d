// What the executor can do: plain data the planner returns, in order.
// `ip` lines run as one `ip -n <ns> -batch -` per action; every token was
// validated when the layout was made (ids, labels, addresses), so no token
// holds whitespace or anything a shell could read.

export type Action =
  | { readonly type: 'delete-namespace'; readonly namespace: string }
  | { readonly type: 'create-namespace'; readonly namespace: string; readonly sysctls: readonly string[] }
  /** `removals`: deletions of what may be gone already (a namespace's deletion finishes in the kernel after `ip netns del` returns). */
  | { readonly type: 'ip'; readonly namespace: string; readonly lines: readonly (readonly string[])[]; readonly removals?: boolean }
  | { readonly type: 'nft'; readonly namespace: string; readonly ruleset: string }
  /** Drop conntrack entries DNAT'd to a public (address protocol port) no longer open. */
  | { readonly type: 'flush-closed-ports'; readonly namespace: string; readonly open: readonly string[] }
  | { readonly type: 'write-resolv-conf'; readonly namespace: string; readonly content: string };

/** Who is hurt if an action fails: a resource, a network (all its resources), or the host. */
export interface PlannedAction {
  readonly action: Action;
  /** Actions of one phase are independent and may run together; phases run in order. */
  readonly phase: number;
  readonly networkId?: string;
  readonly resourceId?: string;
}
