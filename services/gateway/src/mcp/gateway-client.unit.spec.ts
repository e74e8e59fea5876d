import { describe, expect, it } from '@jest/globals';
import { apiPath, BadPathArgument } from './gateway-client.js';

describe('apiPath', () => {
  const id = (value: string) => ({ value, field: 'id' });

  it('encodes every caller-given segment, so none can add a path or a query', () => {
    expect(apiPath`/v1/hosting/vms/${id('vm_01')}/stop`).toBe('/v1/hosting/vms/vm_01/stop');
    expect(apiPath`/v1/hosting/vms/${id('a/../b?x=1#y')}`).toBe('/v1/hosting/vms/a%2F..%2Fb%3Fx%3D1%23y');
    expect(apiPath`/v1/hosting/vms/${id('vm_01')}/ports/${{ value: 8443, field: 'port' }}`).toBe('/v1/hosting/vms/vm_01/ports/8443');
  });

  it('refuses the segments URL parsing would resolve away, naming the field', () => {
    for (const value of ['', '.', '..']) {
      expect(() => apiPath`/v1/hosting/vms/${id(value)}`).toThrow(BadPathArgument);
    }
    expect(() => apiPath`/v1/hosting/vms/${id('..')}`).toThrow(expect.objectContaining({ field: 'id' }));
  });
});
