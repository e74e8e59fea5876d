import { describe, expect, it } from '@jest/globals';
import { ConnectionTable } from './tcp-admission.js';

const admitAll = (table: ConnectionTable<string>, client: string, ids: string[]) => ids.map((id) => table.admit(client, id));

describe('ConnectionTable', () => {
  it('admits a client up to its limit and refuses the rest', () => {
    const table = new ConnectionTable<string>({ maxConnections: 100, maxPerClient: 2 });

    const answers = admitAll(table, 'a', ['a1', 'a2', 'a3']);

    expect(answers).toEqual([
      { admitted: true, evict: null },
      { admitted: true, evict: null },
      { admitted: false, reason: 'client-limit' },
    ]);
    expect(table.admit('b', 'b1')).toEqual({ admitted: true, evict: null });
  });

  it('frees a slot on release, and ignores a release it does not know', () => {
    const table = new ConnectionTable<string>({ maxConnections: 100, maxPerClient: 1 });
    table.admit('a', 'a1');

    table.release('a', 'a1');
    table.release('a', 'a1');
    table.release('x', 'x1');

    expect(table.size).toBe(0);
    expect(table.admit('a', 'a2')).toEqual({ admitted: true, evict: null });
  });

  it('when full, lets a lighter client in by evicting the heaviest client’s oldest connection', () => {
    const table = new ConnectionTable<string>({ maxConnections: 4, maxPerClient: 10 });
    admitAll(table, 'hog', ['h1', 'h2', 'h3']);
    table.admit('b', 'b1');

    expect(table.admit('c', 'c1')).toEqual({ admitted: true, evict: 'h1' });
    expect(table.size).toBe(4);
    expect(table.countOf('hog')).toBe(2);
  });

  it('when full, refuses a client that already holds as many as the heaviest', () => {
    const table = new ConnectionTable<string>({ maxConnections: 4, maxPerClient: 10 });
    admitAll(table, 'a', ['a1', 'a2']);
    admitAll(table, 'b', ['b1', 'b2']);

    expect(table.admit('a', 'a3')).toEqual({ admitted: false, reason: 'server-full' });
    // One below the heaviest: taking a slot would only swap who is heavier.
    table.release('a', 'a2');
    table.admit('c', 'c1');
    expect(table.admit('a', 'a4')).toEqual({ admitted: false, reason: 'server-full' });
  });

  it('when full of clients holding one each, refuses a newcomer rather than shuffle', () => {
    const table = new ConnectionTable<string>({ maxConnections: 2, maxPerClient: 10 });
    table.admit('a', 'a1');
    table.admit('b', 'b1');

    expect(table.admit('c', 'c1')).toEqual({ admitted: false, reason: 'server-full' });
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new ConnectionTable({ maxConnections: 0, maxPerClient: 1 })).toThrow(RangeError);
    expect(() => new ConnectionTable({ maxConnections: 1, maxPerClient: 2.5 })).toThrow(RangeError);
  });
});
