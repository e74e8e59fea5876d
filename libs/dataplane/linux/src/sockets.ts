// Listening sockets inside a namespace, served from this process. Node cannot
// enter a namespace, so a short-lived helper does it for us: started with
// `ip netns exec <ns> node opener.cjs` and an IPC channel (its fd survives the
// exec), it binds the sockets there, hands them over with process.send(msg,
// handle) and exits. The sockets stay bound in that namespace; one agent
// process then serves every network's resolver and every HTTP workload.
import { spawn } from 'node:child_process';
import type dgram from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import type net from 'node:net';
import { join } from 'node:path';

export interface SocketRequest {
  readonly kind: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
}

export type OpenedSocket = { readonly kind: 'tcp'; readonly server: net.Server } | { readonly kind: 'udp'; readonly socket: dgram.Socket };

const OPENER = `'use strict';
// Written by @pn/dataplane-linux: binds sockets in this namespace and hands them to the parent.
const net = require('node:net');
const dgram = require('node:dgram');
const requests = JSON.parse(process.argv[2]);
const fail = (error) => { process.send({ error: String(error && error.message || error) }, () => process.exit(1)); };
let sent = 0;
requests.forEach((r, index) => {
  const done = (handle) => process.send({ index }, handle, (error) => { if (error) fail(error); else if (++sent === requests.length) process.exit(0); });
  if (r.kind === 'tcp') {
    const server = net.createServer();
    server.on('error', fail);
    server.listen({ host: r.host, port: r.port, backlog: 511 }, () => done(server));
  } else {
    const socket = dgram.createSocket('udp4');
    socket.on('error', fail);
    socket.bind(r.port, r.host, () => done(socket));
  }
});
`;

export async function writeOpener(runDir: string): Promise<string> {
  const path = join(runDir, 'opener.cjs');
  await writeFile(path, OPENER);
  return path;
}

/** Binds `requests` inside `namespace`; all or nothing. */
export function openSockets(opener: string, namespace: string, requests: readonly SocketRequest[], timeoutMs = 5000): Promise<OpenedSocket[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, opener, JSON.stringify(requests)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const opened: OpenedSocket[] = [];
    let stderr = '';
    let error: string | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('message', (message: { index?: number; error?: string }, handle: unknown) => {
      if (message.error !== undefined) error = message.error;
      else if (message.index !== undefined) {
        const request = requests[message.index]!;
        opened[message.index] = request.kind === 'tcp' ? { kind: 'tcp', server: handle as net.Server } : { kind: 'udp', socket: handle as dgram.Socket };
      }
    });
    child.on('error', (e) => (error = String(e)));
    // 'close', not 'exit': a child that sends its handles and exits at once can be seen to exit before
    // its messages are read (a busy event loop); 'close' comes after its channel has delivered everything.
    child.on('close', () => {
      clearTimeout(timer);
      if (opened.filter(Boolean).length === requests.length) return resolve(opened);
      closeAll(opened.filter(Boolean));
      reject(new Error(`cannot bind ${requests.map((r) => `${r.kind} ${r.host}:${r.port}`).join(', ')} in ${namespace}: ${error ?? (stderr.trim() || "helper exited")}`));
    });
  });
}

export function closeAll(sockets: readonly OpenedSocket[]): void {
  for (const s of sockets) {
    try {
      if (s.kind === 'tcp') s.server.close();
      else s.socket.close();
    } catch {
      // already closed
    }
  }
}
