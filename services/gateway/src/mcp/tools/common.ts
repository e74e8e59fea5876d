// What several tools share: their hints, and the arguments every create,
// list and project-scoped call takes, described once.
import { z } from 'zod';

/** Reads: change nothing, safe to call again. */
export const READS = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
/** Creates: add a resource; only an idempotency_key makes a retry safe. */
export const CREATES = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
/** Changes: `destructive` when they take something away, `idempotent` when a repeat has no further effect. */
export const changes = (destructive: boolean, idempotent: boolean) =>
  ({ readOnlyHint: false, destructiveHint: destructive, idempotentHint: idempotent, openWorldHint: false }) as const;

// Types only: the API checks the rules (name syntax, ranges) and answers a
// tool error naming the field, the same way it answers curl.
export const nameArg = (what: string) =>
  z
    .string()
    .describe(
      `the ${what} name, also its private DNS name: an RFC 1123 label (a-z, 0-9 and -, 1–63 characters, no leading or trailing -)`,
    );

export const projectArg = z
  .string()
  .optional()
  .describe('the project (private network) to use; the account default project when absent. Resources reach each other by name only within one project');

export const regionArg = z.string().optional().describe('region, e.g. us-east-1 (the default), us-west-2, eu-west-1, eu-central-1, ap-southeast-1');

export const idempotencyKeyArg = z
  .string()
  .optional()
  .describe(
    'a key you make up for this one create (1–255 printable ASCII characters, e.g. a UUID). If the call fails, times out or you are unsure it happened, call again with the SAME idempotency_key and the same arguments: you get the first answer and never a second resource. Without a key, a retry may create a duplicate',
  );

export const pageArgs = {
  limit: z.number().int().optional().describe('items per page, 1–100'),
  cursor: z.string().optional().describe('next_cursor from the previous page; absent for the first page'),
};

export const CREATE_NOTES =
  'A retry with the same idempotency_key returns the first answer. On an error with status 503 or 504, the error names resource_id: the resource may exist anyway, so retry with the same idempotency_key rather than without one.';

/** The body fields of a create: the arguments the API takes, absent ones left out (the API refuses null). */
export function createBody(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([name, value]) => name !== 'idempotency_key' && value !== undefined));
}
