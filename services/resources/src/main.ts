import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { startResources } from './start.js';

await startResources(loadConfig());
