// What an apply touched while a drift reading was under way: given the
// actions executed, then these namespaces must be read again.
import { describe, expect, it } from '@jest/globals';
import { namespacesTouchedBy, TouchedSince } from './touched.js';

describe('namespacesTouchedBy', () => {
  it('names a veth far end moved into another namespace, besides the action’s own', () => {
    expect(
      namespacesTouchedBy({
        type: 'ip',
        namespace: 'pn-n-a',
        lines: [
          ['link', 'add', 'p1', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'pn-v-b'],
          ['link', 'set', 'p1', 'up'],
        ],
      }),
    ).toEqual(['pn-n-a', 'pn-v-b']);
  });

  it('names only its own namespace otherwise', () => {
    expect(namespacesTouchedBy({ type: 'nft', namespace: 'pn-v-b', ruleset: 'table inet x {}' })).toEqual(['pn-v-b']);
    expect(namespacesTouchedBy({ type: 'delete-namespace', namespace: 'pn-v-c' })).toEqual(['pn-v-c']);
    expect(namespacesTouchedBy({ type: 'ip', namespace: 'pn-edge', lines: [['route', 'add', '10.0.0.0/16', 'via', '100.64.0.2']] })).toEqual(['pn-edge']);
  });
});

describe('TouchedSince', () => {
  it('gives each reading what was applied after it began, and nothing after it stopped', () => {
    const touched = new TouchedSince();
    touched.note([{ type: 'nft', namespace: 'before', ruleset: '' }]);
    const first = touched.begin();
    touched.note([{ type: 'nft', namespace: 'a', ruleset: '' }]);
    const second = touched.begin();
    touched.note([{ type: 'write-resolv-conf', namespace: 'b', content: '' }]);
    touched.stop(first);
    touched.note([{ type: 'create-namespace', namespace: 'c', sysctls: [] }]);
    expect([...first]).toEqual(['a', 'b']);
    expect([...second]).toEqual(['b', 'c']);
  });
});
