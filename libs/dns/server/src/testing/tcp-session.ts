// A persistent DNS-over-TCP connection for tests: send frames (whole or in
// pieces), read framed answers in order, and see when the server hangs up.

import net from 'node:net';
import dnsPacket from 'dns-packet';

export class TcpSession {
  private received = Buffer.alloc(0);
  private readonly waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** `localAddress` binds the client side, e.g. 127.0.0.2 to act as another client on loopback. */
  static open(port: number, options: { localAddress?: string } = {}): Promise<TcpSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, ...options }, () => resolve(new TcpSession(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes the message with its 2-byte length prefix. */
  sendFrame(message: Buffer): void {
    this.socket.write(frame(message));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Next framed answer, decoded; rejects if the server closes first or after timeoutMs. */
  async nextAnswer(timeoutMs = 2000): Promise<dnsPacket.DecodedPacket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.received.length >= 2) {
        const len = this.received.readUInt16BE(0);
        if (this.received.length >= 2 + len) {
          const message = this.received.subarray(2, 2 + len);
          this.received = this.received.subarray(2 + len);
          return dnsPacket.decode(message);
        }
      }
      if (this.closed) throw new Error('server closed the connection');
      if (Date.now() >= deadline) throw new Error('no answer in time');
      await this.waitForEvent(deadline - Date.now());
    }
  }

  /** Resolves true once the server has closed the connection, false on timeout. */
  async waitForClose(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await this.waitForEvent(deadline - Date.now());
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private waitForEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}
