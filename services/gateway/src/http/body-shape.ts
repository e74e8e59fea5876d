// What a JSON body may look like before any validator sees it. class-validator
// and class-transformer walk a body recursively and copy every key, so a
// body nested thousands deep crashed them (a 500), and 200 KB of unknown keys
// cost a third of a second of CPU before being refused. One cheap iterative
// walk, stopping at the first problem, bounds both. Keys that name an
// object's prototype machinery are refused outright: nothing here needs
// them, and code downstream that copies bodies could be steered by them.
export const BODY_LIMITS = { maxDepth: 32, maxEntries: 1000 } as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface BodyProblem {
  readonly code: 'body_too_complex' | 'validation_failed';
  readonly message: string;
  readonly field?: string;
}

/** The first thing wrong with a parsed JSON body, or undefined. Bodies are objects: a list or a bare value is refused. */
export function bodyProblem(body: unknown, limits: { maxDepth: number; maxEntries: number } = BODY_LIMITS): BodyProblem | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { code: 'validation_failed', message: 'request body must be a JSON object' };
  }
  let entries = 0;
  const pending: Array<{ value: object; depth: number; path: string }> = [{ value: body, depth: 1, path: '' }];
  while (pending.length > 0) {
    const { value, depth, path } = pending.pop()!;
    if (depth > limits.maxDepth) {
      return { code: 'body_too_complex', message: `request body nests deeper than ${limits.maxDepth} levels`, field: path || undefined };
    }
    const isList = Array.isArray(value);
    // A long list is refused by its length, before its indexes are listed.
    if (isList && entries + value.length > limits.maxEntries) return tooMany(limits.maxEntries);
    for (const key of Object.keys(value)) {
      entries += 1;
      if (entries > limits.maxEntries) return tooMany(limits.maxEntries);
      const field = path ? `${path}.${key}` : key;
      if (!isList && FORBIDDEN_KEYS.has(key)) {
        return { code: 'validation_failed', message: `${field} is not allowed: "${key}" is never a field of this API`, field };
      }
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1, path: field });
    }
  }
  return undefined;
}

const tooMany = (max: number): BodyProblem => ({ code: 'body_too_complex', message: `request body has more than ${max} fields and list items` });
