// The API description, OpenAPI 3.1, generated at boot from the controllers
// and DTOs (@nestjs/swagger; request schemas from the DTOs' validation rules,
// dto-schema.ts), then completed in one pass with what is the same for many
// operations and so is written once here rather than on every handler: who
// may call it (X-API-Key, the admin token, or nobody in particular), the
// errors it can answer in the API's one error shape, and the examples from
// the source articles. Served at /openapi.json, browsable at /docs; neither
// needs a key.
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { describeDtosOf } from './dto-schema.js';
import { EXAMPLES } from './examples.js';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      properties: {
        code: { type: 'string', description: 'machine-readable, e.g. `not_found`, `address_space_exhausted`', examples: ['not_found'] },
        message: { type: 'string', description: 'for people' },
        field: { type: 'string', description: 'the request field at fault, when there is one' },
        request_id: { type: 'string', description: 'the X-Request-Id of the request, to find it in the logs' },
        resource_id: { type: 'string', description: 'on a 503/504 of a create: the resource may exist anyway; a retry with the same Idempotency-Key finds it' },
      },
    },
  },
} as const;

const ERRORS: Readonly<Record<string, string>> = {
  '400': 'invalid request: a field breaks a rule (`field` names it), malformed JSON, a body too complex',
  '401': 'missing or wrong API key (or admin token)',
  '403': 'a read key asked to change something (`insufficient_scope`)',
  '404': 'no such resource in this account',
  '409': 'conflicts with the current state (`address_space_exhausted`, `port_conflict`, `domain_taken`, …)',
  '429': 'rate limited (`Retry-After`) or over a quota (`quota_exceeded`)',
  '503': 'a service or the bus does not answer; retry (`Retry-After`)',
  '504': 'the request ran out of time (`REQUEST_DEADLINE_MS`)',
};

const WRITES = new Set(['post', 'put', 'patch', 'delete']);

function whoMayCall(path: string): Operation['security'] {
  if (path.startsWith('/v1/admin/')) return [{ admin_token: [] }];
  if (path.startsWith('/v1/') || path === '/mcp') return [{ api_key: [] }];
  return []; // health, readiness, metrics
}

function errorsOf(path: string, method: string): string[] {
  if (!path.startsWith('/v1/') && path !== '/mcp') return ['429', '503'];
  return Object.keys(ERRORS).filter(
    (status) =>
      (status !== '403' || (WRITES.has(method) && !path.startsWith('/v1/admin/'))) &&
      (status !== '404' || path.includes('{')) &&
      (status !== '409' || WRITES.has(method)),
  );
}

function complete(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, Error: ERROR_SCHEMA as never };
  document.components.responses = Object.fromEntries(
    Object.entries(ERRORS).map(([status, description]) => [`Error${status}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
  );
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.security = whoMayCall(path);
      operation.tags = [path.split('/').filter((s) => s && s !== 'v1' && s !== 'hosting')[0] ?? 'operations'];
      // A kind's create answers 202 while it waits for a service that is down; its delete 204.
      if (method === 'post' && /^\/v1\/hosting\/(vms|databases|caches|buckets)$/.test(path)) {
        operation.responses['202'] = { description: 'accepted: completes once the service it waits for is back' };
      }
      if (method === 'delete' && /^\/v1\/hosting\/(vms|databases|caches|buckets)\/\{id\}$/.test(path)) {
        delete operation.responses['200'];
        operation.responses['204'] = { description: 'deleted: names withdrawn, address quarantined' };
      }
      for (const status of errorsOf(path, method)) operation.responses[status] ??= { $ref: `#/components/responses/Error${status}` };
      const examples = EXAMPLES[`${method} ${path}`];
      const body = operation.requestBody as { content?: Record<string, { example?: unknown }> } | undefined;
      if (examples?.request !== undefined && body?.content?.['application/json']) body.content['application/json'].example = examples.request;
      if (examples?.response) {
        const answer = (operation.responses[examples.response.status] ??= { description: 'success' }) as { content?: Record<string, unknown> };
        answer.content = { 'application/json': { schema: { type: 'object' }, example: examples.response.body } };
      }
    }
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const controllers = [...app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()].map((c) => c.metatype as Function));
  describeDtosOf(controllers);
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Private networking control plane')
    .setDescription(
      'Private 10.x addresses and `.internal` names for every resource an account provisions; one private network per project. ' +
        'Every error has one shape: `{"error":{"code","message","field?","request_id"}}`. Creates take an `Idempotency-Key` header.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'an API key of the account (`read` or `write` scope)' }, 'api_key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the platform admin token (ADMIN_TOKEN)' }, 'admin_token')
    .build();
  return complete(SwaggerModule.createDocument(app, config));
}

/** /openapi.json and the browsable /docs. */
export function useOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
