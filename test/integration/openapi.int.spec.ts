// The API description as a client or an agent reads it: /openapi.json is a
// valid OpenAPI 3.1 document (structure, then the spec's own JSON schema),
// every route the gateway serves (read from Nest's controller metadata) is in
// it with its error responses and security, and /docs is a browsable page.
import { describe, expect, it } from '@jest/globals';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { Validator } from '@seriousme/openapi-schema-validator';
import { GatewayModule } from '../../services/gateway/src/gateway.module.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('openapi suite');

/** "METHOD /path/{param}" for every route handler of the gateway's controllers, inherited ones included. */
function servedRoutes(): string[] {
  const routes = new Set<string>();
  for (const controller of GatewayModule.forRoot(ctx.platform.config).controllers ?? []) {
    const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (let proto = (controller as Function).prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor')) {
        const handler = Object.getOwnPropertyDescriptor(proto, name)?.value;
        const path = typeof handler === 'function' ? Reflect.getMetadata(PATH_METADATA, handler) : undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase();
        const full = `/${[prefix, String(path)].map((p) => p.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`.replace(/:(\w+)/g, '{$1}');
        routes.add(`${method} ${full}`);
      }
    }
  }
  return [...routes].sort();
}

let document: any;

describe('OpenAPI description', () => {
  it('is served at /openapi.json without a key, and is OpenAPI 3.1', async () => {
    const response = await fetch(`${ctx.platform.url}/openapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(document.paths).length).toBeGreaterThan(10);
    expect(document.components.securitySchemes.api_key).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }));
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'request_id']);
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the gateway serves', () => {
    const described = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m} ${path}`),
    );
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !described.includes(route))).toEqual([]);
  });

  it('gives bodies their schema from the DTOs, errors their shape, and examples from the articles', () => {
    const create = document.paths['/v1/hosting/vms'].post;
    expect(create.security).toEqual([{ api_key: [] }]);
    const body = create.requestBody.content['application/json'];
    expect(body.example).toEqual({ name: 'db', image: 'postgres-18', project: 'shop' });
    const schema = document.components.schemas[body.schema.$ref.split('/').pop()];
    expect(schema.required).toContain('name');
    expect(schema.properties.name).toMatchObject({ type: 'string', maxLength: 63 });
    for (const status of ['400', '401', '403', '409', '429', '503', '504']) expect(create.responses[status]).toEqual({ $ref: `#/components/responses/Error${status}` });
    expect(document.paths['/v1/hosting/vms/{id}'].get.responses['404']).toBeDefined();
    expect(document.paths['/v1/hosting/vms/{id}'].get.responses['200'].content['application/json'].example.private_ip).toBe('10.0.1.10');
    expect(document.paths['/v1/hosting/network/topology'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['project', 'limit', 'cursor']));
    expect(document.paths['/v1/admin/accounts'].post.security).toEqual([{ admin_token: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
  });

  it('is browsable at /docs', async () => {
    const response = await fetch(`${ctx.platform.url}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/swagger-ui/i);
  });
});
