import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { loadAgentConfig } from './agent-config.js';
import { startHostAgent } from './start.js';

await startHostAgent(loadConfig(), loadAgentConfig());
