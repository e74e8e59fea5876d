// NATS subject matching, as the server applies a permission: tokens split on
// `.`, `*` matches one token, `>` (last) one or more.
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

export const allowedBy = (patterns: readonly string[], subject: string) => patterns.some((p) => subjectMatches(p, subject));

/** A concrete subject a pattern covers (`*` and `>` filled in), to probe a grant with. */
export const exampleSubject = (pattern: string) => pattern.replace(/(^|\.)\*(?=\.|$)/g, '$1x').replace(/(^|\.)>$/, '$1x.y');
