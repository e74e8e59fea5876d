// Resource names become DNS labels, so they follow RFC 1123: lower-case
// letters, digits and '-', 1 to 63 characters, no '-' at either end.
// Returns the rule a name breaks, or undefined when it is a valid label.
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return 'must be at most 63 characters (RFC 1123 label)';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lower-case letters a-z, digits 0-9 and "-" (RFC 1123 label)';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not start or end with "-" (RFC 1123 label)';
  return undefined;
}
