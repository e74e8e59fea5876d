// One tool: its name, schemas and hints as the agent sees them, and which
// API request it is. The same table serves /mcp and the stdio entry.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ApiRequest } from '../gateway-client.js';

export interface ToolSpec<I extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  /** What it does, what comes back, when to use it: an agent decides from this alone. */
  readonly description: string;
  readonly input: I;
  readonly output: z.ZodObject;
  readonly annotations: ToolAnnotations & { readonly readOnlyHint: boolean; readonly destructiveHint: boolean; readonly idempotentHint: boolean };
  readonly request: (args: z.infer<z.ZodObject<I>>) => ApiRequest;
  /** What a successful answer becomes (an object); the body as it is when absent. */
  readonly present?: (body: unknown, args: z.infer<z.ZodObject<I>>) => Record<string, unknown>;
}

/** Keeps each tool's argument types while the table holds them all. */
export const defineTool = <I extends z.ZodRawShape>(spec: ToolSpec<I>): ToolSpec => spec as unknown as ToolSpec;
