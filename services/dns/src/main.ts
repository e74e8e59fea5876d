import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { dnsWorkersFromEnv } from './dns-listener/dns-options.js';
import { startDns } from './start.js';

await startDns(loadConfig(), { workers: dnsWorkersFromEnv(process.env) });
