// Every MCP tool, named as the Superjolt article names them. Not here yet,
// because the API has no endpoint for them: check_reachability, get_usage.
import { exposureTools } from './exposure.js';
import { networkTools } from './network.js';
import { serviceTools } from './services.js';
import type { ToolSpec } from './tool-spec.js';
import { vmTools } from './vms.js';

export type { ToolSpec } from './tool-spec.js';

export const TOOLS: readonly ToolSpec[] = [...vmTools, ...exposureTools, ...serviceTools, ...networkTools];
