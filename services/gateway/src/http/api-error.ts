// Every error the API returns has one shape:
//   {"error": {"code": "...", "message": "...", "field": "..."}}
// `field` names the request field at fault, when there is one.
import { HttpException } from '@nestjs/common';

export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, field?: string) {
    super({ error: { code, message, ...(field ? { field } : {}) } }, status);
  }
}
