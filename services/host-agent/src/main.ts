import 'reflect-metadata';
import { credentialsHost, loadConfig } from '@pn/service-kit';
import { loadAgentConfig } from './agent-config.js';
import { startHostAgent } from './start.js';

const platform = loadConfig();
await startHostAgent(platform, loadAgentConfig(process.env, credentialsHost(platform.natsCredentials)));
