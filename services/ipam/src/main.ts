import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { startIpam } from './start.js';

await startIpam(loadConfig());
