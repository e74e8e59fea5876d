import { describe, expect, it } from '@jest/globals';
import { allowedBy, exampleSubject, subjectMatches } from './subject-match.js';

describe('subject matching, as a NATS permission', () => {
  it('takes * for exactly one token and > for one or more at the end', () => {
    expect(subjectMatches('es.account.*', 'es.account.acc_1')).toBe(true);
    expect(subjectMatches('es.account.*', 'es.account.acc_1.x')).toBe(false);
    expect(subjectMatches('es.account.*', 'es.account')).toBe(false);
    expect(subjectMatches('resources.>', 'resources.resource.create')).toBe(true);
    expect(subjectMatches('resources.>', 'resources')).toBe(false);
    expect(subjectMatches('$JS.API.STREAM.INFO.EVENTS', '$JS.API.STREAM.INFO.EVENTS_2')).toBe(false);
    expect(subjectMatches('>', 'anything.at.all')).toBe(true);
  });

  it('allows what any pattern of a list allows', () => {
    expect(allowedBy(['a.b', 'c.>'], 'c.d.e')).toBe(true);
    expect(allowedBy(['a.b', 'c.>'], 'a.c')).toBe(false);
  });

  it('makes a concrete subject of a pattern, one the pattern matches', () => {
    for (const pattern of ['es.account.*', 'resources.>', '$JS.API.DIRECT.GET.EVENTS.>', 'dns.resolve', '*.health']) {
      expect(subjectMatches(pattern, exampleSubject(pattern))).toBe(true);
    }
    expect(exampleSubject('es.*.x.>')).toBe('es.x.x.x.y');
  });
});
