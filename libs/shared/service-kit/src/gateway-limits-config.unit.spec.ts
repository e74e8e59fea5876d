// The gateway's connection limits and request timeouts: defaults, and what
// loadConfig refuses at boot rather than a gateway that Node would refuse.
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

describe('gateway connection limits in loadConfig', () => {
  it('has defaults under a 20,000 file-descriptor limit', () => {
    expect(loadConfig({})).toMatchObject({
      gatewayMaxConnections: 10_000,
      gatewayMaxConnectionsPerClient: 256,
      gatewayHeadersTimeoutMs: 10_000,
      gatewayRequestTimeoutMs: 30_000,
    });
  });

  it('takes values in range', () => {
    const config = loadConfig({ GATEWAY_MAX_CONNECTIONS: '50', GATEWAY_MAX_CONNECTIONS_PER_CLIENT: '5', GATEWAY_HEADERS_TIMEOUT_MS: '2000', GATEWAY_REQUEST_TIMEOUT_MS: '2000' });
    expect([config.gatewayMaxConnections, config.gatewayMaxConnectionsPerClient, config.gatewayHeadersTimeoutMs, config.gatewayRequestTimeoutMs]).toEqual([50, 5, 2000, 2000]);
  });

  it.each([
    [{ GATEWAY_MAX_CONNECTIONS: '0' }],
    [{ GATEWAY_MAX_CONNECTIONS_PER_CLIENT: 'lots' }],
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '50' }],
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '1.5' }],
    // Headers cannot be given longer than the whole request.
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '40000' }],
    [{ GATEWAY_HEADERS_TIMEOUT_MS: '5000', GATEWAY_REQUEST_TIMEOUT_MS: '4000' }],
  ])('refuses %j', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});
