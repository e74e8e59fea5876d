import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { startDns } from './start.js';

await startDns(loadConfig());
