import 'reflect-metadata';
import { loadConfig } from '@pn/service-kit';
import { dnsUdpFromEnv } from './dns-listener/dns-options.js';
import { startDns } from './start.js';

await startDns(loadConfig(), { udp: dnsUdpFromEnv(process.env) });
