// An API answer as a tool result. Success: the answer as structuredContent
// (checked against the tool's outputSchema) and as JSON text for clients that
// only read text. Failure: a tool error (isError) whose text is the API's own
// error body plus its status, so an agent sees the same code, message and
// field as a curl user, and retry_after_seconds when the API asked to wait.
// No structuredContent on errors: clients check it against the outputSchema.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiFailure } from './gateway-client.js';

export function toolSuccess(structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}

export function toolFailure(failure: ApiFailure): CallToolResult {
  const { status, error, retry_after_seconds } = failure;
  const text = JSON.stringify({ status, error, ...(retry_after_seconds !== undefined ? { retry_after_seconds } : {}) });
  return { content: [{ type: 'text', text }], isError: true };
}
