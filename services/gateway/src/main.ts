import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { startGateway } from './start.js';

await startGateway(loadConfig());
