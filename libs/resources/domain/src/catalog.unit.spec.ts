import { describe, expect, it } from '@jest/globals';
import { engineOf, isResourceIdOf, isVmImage, servicePort, vmServicePorts } from './catalog.js';

const inherited = ['toString', '__proto__', 'constructor', 'hasOwnProperty'];

describe('catalog', () => {
  it('knows its own images, engines and ports, and nothing any object inherits', () => {
    expect(isVmImage('nodejs-24')).toBe(true);
    expect(vmServicePorts('postgres-18')).toEqual([5432]);
    expect(servicePort('database')).toBe(5432);
    for (const name of inherited) {
      expect(isVmImage(name)).toBe(false);
      expect(vmServicePorts(name)).toEqual([]);
      expect(engineOf(name)).toBeUndefined();
      expect(servicePort(name)).toBe(0);
    }
  });

  it('tells an id of a kind: its prefix and a lower-case ULID', () => {
    expect(isResourceIdOf('vm', 'vm_01jtx5z8k3m4n5p6q7r8s9t0va')).toBe(true);
    expect(isResourceIdOf('database', 'db_01jtx5z8k3m4n5p6q7r8s9t0va')).toBe(true);
    expect(isResourceIdOf('vm', 'db_01jtx5z8k3m4n5p6q7r8s9t0va')).toBe(false);
    expect(isResourceIdOf('vm', 'vm_01JTX5Z8K3M4N5P6Q7R8S9T0VA')).toBe(false);
    expect(isResourceIdOf('vm', 'vm_01jtx5z8k3')).toBe(false);
    expect(isResourceIdOf('vm', 'vm_01jtx5z8k3m4n5p6q7r8s9t0vi')).toBe(false); // no "i" in a ULID
  });
});
