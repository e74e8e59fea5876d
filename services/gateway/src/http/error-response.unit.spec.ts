import { describe, expect, it } from '@jest/globals';
import { RemoteError, RequestTimeoutError, ServiceUnavailableError } from '@pn/service-kit';
import { ApiError, CreateFailure } from './api-error.js';
import { errorResponse } from './error-response.js';

const ID = 'vm_01jtx5z8k3m4n5p6q7r8s9t0va';

describe('errorResponse', () => {
  it('names the resource of a create that failed on our side, so the client can look it up', () => {
    expect(errorResponse(new CreateFailure(new ServiceUnavailableError('resources.resource.create'), ID))).toEqual({
      status: 503,
      body: { error: { code: 'service_unavailable', message: expect.any(String), resource_id: ID } },
    });
    expect(errorResponse(new CreateFailure(new RequestTimeoutError('resources.resource.create', 15_000), ID))).toMatchObject({
      status: 504,
      body: { error: { code: 'upstream_timeout', resource_id: ID } },
    });
  });

  it('answers a refusal of a create as it is, without an id', () => {
    const refused = new RemoteError({ code: 'address_space_exhausted', message: 'full', status: 409 });
    expect(errorResponse(new CreateFailure(refused, ID))).toEqual({ status: 409, body: { error: { code: 'address_space_exhausted', message: 'full' } } });
    expect(errorResponse(new CreateFailure(new ApiError(400, 'validation_failed', 'bad', 'region'), ID)).body.error).not.toHaveProperty('resource_id');
  });

  it('keeps the API’s shape for its own errors and gives Nest’s a code', () => {
    expect(errorResponse(new ApiError(422, 'idempotency_key_reused', 'no', 'Idempotency-Key'))).toEqual({
      status: 422,
      body: { error: { code: 'idempotency_key_reused', message: 'no', field: 'Idempotency-Key' } },
    });
    expect(errorResponse(new TypeError('boom'))).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
  });
});
