// What observe() read from the kernel: the plane's namespaces and, in each,
// the links, IPv4 addresses, static routes and nft tables the plan compares
// with what should be. Plain data, so the planner is testable without a kernel.

export interface ObservedLink {
  readonly name: string;
  /** Administratively up. */
  readonly up: boolean;
  readonly master?: string;
  /** IPv4 addresses as `a.b.c.d/len`. */
  readonly addresses: readonly string[];
}

export interface ObservedTable {
  readonly family: string;
  readonly name: string;
  readonly comment?: string;
  /** The hash of its DNAT rules (rulesets.ts, `open`), when it carries one. */
  readonly open?: string;
  readonly rules: number;
}

export interface ObservedNamespace {
  readonly name: string;
  readonly links: readonly ObservedLink[];
  /** Routes not made by the kernel, as routeKey() writes them. */
  readonly routes: readonly string[];
  readonly tables: readonly ObservedTable[];
  /** /etc/netns/<name>/resolv.conf, when present. */
  readonly resolvConf?: string;
}

export interface ObservedHost {
  /** The plane's namespaces only, by name. */
  readonly namespaces: Readonly<Record<string, ObservedNamespace>>;
}

export const routeKey = (dst: string, via: string, dev: string): string => `${dst} via ${via} dev ${dev}`;
