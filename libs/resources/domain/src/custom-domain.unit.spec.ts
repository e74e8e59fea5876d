import { describe, expect, it } from '@jest/globals';
import { DomainError, spec } from '@pn/decider';
import { domainStreamId, normalizeDomain, recordsToCreate, verificationProblem } from './custom-domain.js';
import { domainClaimDecider, ORPHAN_CLAIM_GRACE_MS, type DomainClaimEvent } from './domain-claim.js';
import { publicHostFor } from './public-host.js';
import { autoExposedPorts, publicUrl } from './public-ports.js';

const ruleOf = (raw: string) => {
  try {
    normalizeDomain(raw);
    return 'ok';
  } catch (error) {
    return (error as DomainError).message;
  }
};

describe('custom domain names', () => {
  it('lower-cases and drops a trailing dot', () => {
    expect(normalizeDomain('API.Example.COM.')).toBe('api.example.com');
  });

  it.each([
    ['', /empty/],
    ['localhost', /two labels/],
    ['a..example.com', /empty label/],
    ['-api.example.com', /start or end/],
    ['api_x.example.com', /letters, digits/],
    ['api.example.com/x', /letters, digits/],
    [`${'a'.repeat(64)}.example.com`, /63/],
    [`${'a.'.repeat(127)}com`, /253/],
    ['10.0.0.1', /not all digits/],
    ['db.internal', /\.internal/],
    ['x.vm.internal', /\.internal/],
  ])('refuses %j', (raw, rule) => {
    expect(ruleOf(raw)).toMatch(rule);
    try {
      normalizeDomain(raw);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_domain', details: { field: 'domain' } });
    }
  });

  it('names the records to create and checks what the resolver found', () => {
    expect(recordsToCreate('api.example.com', '203.0.113.5', 'pn-abc')).toEqual([
      { type: 'A', name: 'api.example.com', value: '203.0.113.5' },
      { type: 'TXT', name: '_pn-challenge.api.example.com', value: 'pn-abc' },
    ]);
    expect(verificationProblem({ addresses: ['203.0.113.5'], txt: ['pn-abc'] }, '203.0.113.5', 'pn-abc', 'api.example.com')).toBeUndefined();
    expect(verificationProblem({ addresses: ['198.51.100.1'], txt: [] }, '203.0.113.5', 'pn-abc', 'api.example.com')).toMatch(/A record.*TXT record/);
    expect(domainStreamId('api.example.com')).toBe('domain-api_example_com');
  });
});

describe('domain claims: one resource per domain across every account', () => {
  const claim = spec(domainClaimDecider);
  const now = new Date(0);
  const claimed: DomainClaimEvent = domainClaimDecider.decide({ type: 'ClaimDomain', domain: 'a.example.com', resourceId: 'vm_1', accountId: 'acc_1', now }, domainClaimDecider.initialState())[0]!;

  it('the first claim wins; another resource is refused with domain_taken; the same one again is a no-op', () => {
    claim.given([claimed]).when({ type: 'ClaimDomain', domain: 'a.example.com', resourceId: 'vm_2', accountId: 'acc_2', now }).thenThrows('domain_taken');
    claim.given([claimed]).when({ type: 'ClaimDomain', domain: 'a.example.com', resourceId: 'vm_1', accountId: 'acc_1', now }).thenNothingHappened();
  });

  it('is released only by its holder, and can then be claimed by another', () => {
    claim.given([claimed]).when({ type: 'ReleaseDomain', domain: 'a.example.com', resourceId: 'vm_2', now }).thenNothingHappened();
    const released = domainClaimDecider.decide({ type: 'ReleaseDomain', domain: 'a.example.com', resourceId: 'vm_1', now }, domainClaimDecider.evolve(domainClaimDecider.initialState(), claimed));
    expect(released.map((e) => e.type)).toEqual(['DomainReleased']);
    expect(
      domainClaimDecider.decide({ type: 'ClaimDomain', domain: 'a.example.com', resourceId: 'vm_2', accountId: 'acc_2', now }, [claimed, ...released].reduce(domainClaimDecider.evolve, domainClaimDecider.initialState())),
    ).toHaveLength(1);
  });

  it('an orphaned claim (its holder never listed the domain) is taken over only after the grace time, and only from the holder named', () => {
    const take = (at: number, orphanedBy?: string) =>
      ({ type: 'ClaimDomain', domain: 'a.example.com', resourceId: 'vm_2', accountId: 'acc_2', now: new Date(at), ...(orphanedBy ? { orphanedBy } : {}) }) as const;
    // An add_domain may still be under way within the grace time.
    claim.given([claimed]).when(take(ORPHAN_CLAIM_GRACE_MS - 1, 'vm_1')).thenThrows('domain_taken');
    // Naming another holder, or none, takes nothing: the claim has moved on since the caller looked.
    claim.given([claimed]).when(take(ORPHAN_CLAIM_GRACE_MS, 'vm_9')).thenThrows('domain_taken');
    claim.given([claimed]).when(take(ORPHAN_CLAIM_GRACE_MS)).thenThrows('domain_taken');
    const events = domainClaimDecider.decide(take(ORPHAN_CLAIM_GRACE_MS, 'vm_1'), domainClaimDecider.evolve(domainClaimDecider.initialState(), claimed));
    expect(events.map((e) => [e.type, e.data.resourceId])).toEqual([
      ['DomainReleased', 'vm_1'],
      ['DomainClaimed', 'vm_2'],
    ]);
    expect([claimed, ...events].reduce(domainClaimDecider.evolve, domainClaimDecider.initialState()).holder).toBe('vm_2');
  });
});

describe('public names and URLs', () => {
  it('names a public database by its name and its id’s ULID under the suffix', () => {
    expect(publicHostFor('agent-postgres', 'db_01j9xyzabcdefghjkmnpqrstvw', 'public.pn.example')).toBe('agent-postgres.01j9xyzabcdefghjkmnpqrstvw.public.pn.example');
  });

  it('gives a VM the URL of its user-facing port', () => {
    expect(autoExposedPorts('nodejs-24')).toEqual([{ port: 3000, protocol: 'http' }]);
    expect(autoExposedPorts('postgres-18')).toEqual([]);
    expect(autoExposedPorts('__proto__')).toEqual([]);
    expect(publicUrl('203.0.113.1', 'nodejs-24', [{ port: 22, protocol: 'tcp' }, { port: 3000, protocol: 'http' }])).toBe('http://203.0.113.1:3000');
    expect(publicUrl('203.0.113.1', 'ubuntu-24', [{ port: 22, protocol: 'tcp' }])).toBe('');
    expect(publicUrl(undefined, 'nodejs-24', [{ port: 3000, protocol: 'http' }])).toBe('');
  });
});
