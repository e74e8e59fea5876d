// Every error the API returns has one shape:
//   {"error": {"code": "...", "message": "...", "field": "..."}}
// `field` names the request field at fault, when there is one; a create that
// failed after its resource got an id also says `resource_id`, so the client
// can look the resource up.
import { HttpException } from '@nestjs/common';

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly resource_id?: string };
}

export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, field?: string, extra: { resourceId?: string } = {}) {
    const body: ApiErrorBody = { error: { code, message, ...(field ? { field } : {}), ...(extra.resourceId ? { resource_id: extra.resourceId } : {}) } };
    super(body, status);
  }
}

/**
 * A create that failed after its resource was given an id. On a 5xx the
 * resource may exist all the same (recorded before a timeout, say), so the
 * answer names it (`resource_id`); a 4xx refusal is answered as it is.
 */
export class CreateFailure extends Error {
  constructor(
    readonly failure: unknown,
    readonly resourceId: string,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'CreateFailure';
  }
}
