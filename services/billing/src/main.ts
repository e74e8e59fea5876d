import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { startBilling } from './start.js';

await startBilling(loadConfig());
