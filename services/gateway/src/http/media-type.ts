// Which request bodies are JSON: `application/json` and the `+json` types
// (RFC 6839), any parameters aside. Anything else sent to this API is a 415,
// rather than a body that reads as empty and fails validation for a field
// the client did send.
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/** Whether a request carries a body at all (a POST with no body, like `…/stop`, needs no content type). */
export function carriesBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}
