// Custom domains on VMs: what a valid one looks like (RFC 1035/1123), the
// records the customer must create, and where the ownership token lives.
import { DomainError } from '@pn/decider';

export const CHALLENGE_LABEL = '_pn-challenge';
/** A VM holds at most this many domains: its state (and every load of it) grows with them. */
export const MAX_DOMAINS_PER_VM = 20;

/**
 * The domain as stored (lower case, no trailing dot), or a 400 naming the
 * rule it broke: at least two labels, each 1–63 of a-z 0-9 '-' without '-'
 * at an end, at most 253 characters, a top-level label that is not all
 * digits (so no IP address), and none of the platform's own names (.internal).
 */
export function normalizeDomain(raw: string): string {
  const fail = (rule: string) => new DomainError('invalid_domain', `domain ${rule}`, { field: 'domain' });
  if (typeof raw !== 'string') throw fail('must be a string');
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (domain.length === 0) throw fail('must not be empty');
  if (domain.length > 253) throw fail('must be at most 253 characters (RFC 1035)');
  const labels = domain.split('.');
  if (labels.length < 2) throw fail('must have at least two labels, such as api.example.com');
  for (const label of labels) {
    if (label.length === 0) throw fail('must not have an empty label ("..")');
    if (label.length > 63) throw fail('labels must be at most 63 characters (RFC 1035)');
    if (!/^[a-z0-9-]+$/.test(label)) throw fail('labels may contain only letters, digits and "-" (RFC 1123)');
    if (label.startsWith('-') || label.endsWith('-')) throw fail('labels must not start or end with "-" (RFC 1123)');
  }
  if (/^[0-9]+$/.test(labels.at(-1)!)) throw fail('must end in a top-level label that is not all digits (no IP addresses)');
  if (labels.at(-1) === 'internal') throw fail('must not be under .internal, the platform’s private names');
  return domain;
}

export const challengeName = (domain: string) => `${CHALLENGE_LABEL}.${domain}`;

export interface DnsRecordToCreate {
  readonly type: 'A' | 'TXT';
  readonly name: string;
  readonly value: string;
}

/** What the customer creates at their DNS provider: an A to the VM's public address, and the token. */
export const recordsToCreate = (domain: string, publicIp: string, token: string): DnsRecordToCreate[] => [
  { type: 'A', name: domain, value: publicIp },
  { type: 'TXT', name: challengeName(domain), value: token },
];

/** A domain is verified when its A records include the address and a TXT at the challenge name holds the token. */
export function verificationProblem(found: { addresses: readonly string[]; txt: readonly string[] }, publicIp: string, token: string, domain: string): string | undefined {
  const missing: string[] = [];
  if (!found.addresses.includes(publicIp)) missing.push(`an A record ${domain} → ${publicIp}`);
  if (!found.txt.includes(token)) missing.push(`a TXT record at ${challengeName(domain)} holding the token`);
  return missing.length === 0 ? undefined : `not found: ${missing.join(', ')}`;
}

/** Stream of a domain's claim: `domain-api_example_com` (no '.' in stream ids; '_' is never in a valid domain, so this is one to one). */
export const domainStreamId = (domain: string) => `domain-${domain.replaceAll('.', '_')}`;
