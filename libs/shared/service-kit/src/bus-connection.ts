// One NATS connection per service instance, made in one place: authenticated
// as the instance's role (natsOptions), waited for at start, and shared by
// everything the instance does on the bus — the transport that answers
// requests, the client that makes them, the event store, snapshots and every
// feature's consumers. EventStoreModule provides it (BUS_CONNECTION) and
// drains it last on shutdown.
import { Logger } from '@nestjs/common';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsOptions, type PlatformConfig } from './config.js';

export const BUS_CONNECTION = Symbol('BUS_CONNECTION');

const MAX_WAIT_MS = 5000;

/**
 * Connects, and waits while the bus cannot be had yet: nothing answers (NATS
 * starting, a node down), or the server's authentication timed out (a
 * process too busy at start to answer its challenge in time). Wrong
 * credentials are no reason to wait: they fail at once, loudly.
 */
export async function connectBus(config: PlatformConfig, name: string): Promise<NatsConnection> {
  const logger = new Logger(name);
  for (let attempt = 0; ; attempt++) {
    try {
      const nc = await connect(natsOptions(config, name));
      if (attempt > 0) logger.log(`connected to NATS after ${attempt} failed attempts`);
      return nc;
    } catch (error) {
      if (!worthWaitingFor(error)) throw error;
      const waitMs = Math.min(MAX_WAIT_MS, 100 * 2 ** attempt);
      if (attempt === 0 || waitMs === MAX_WAIT_MS) logger.warn(`NATS at ${config.natsUrl} cannot be had yet (${String((error as Error).message)}); trying again every ${waitMs / 1000} s at most`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

function worthWaitingFor(error: unknown): boolean {
  const message = String((error as Error)?.message ?? error);
  if (/authorization violation|authentication expired|permissions/i.test(message)) return false;
  return true;
}

/** The request transport on the instance's connection; closing it stops its subscriptions and leaves the connection to its owner. */
export class SharedNatsServer extends ServerNats {
  constructor(
    private readonly connection: () => NatsConnection,
    options: ConstructorParameters<typeof ServerNats>[0],
  ) {
    super(options);
  }

  override async createNatsClient() {
    return this.connection() as never;
  }

  override async close(): Promise<void> {
    // `subscriptions` is private in Nest's typings: the subscriptions listen() made, one per pattern.
    for (const sub of (this as unknown as { subscriptions: Array<{ unsubscribe(): void }> }).subscriptions ?? []) sub.unsubscribe();
    this.statusEventEmitter.removeAllListeners();
  }
}

/** The request client on the instance's connection; closing it fails the calls still pending and leaves the connection open. */
export class SharedNatsClient extends ClientNats {
  constructor(
    private readonly connection: NatsConnection,
    options: ConstructorParameters<typeof ClientNats>[0],
  ) {
    super(options);
  }

  override async createClient() {
    return this.connection as never;
  }

  override async close(): Promise<void> {
    this.handleClose();
    this.statusEventEmitter.removeAllListeners();
    this.natsClient = null;
    (this as unknown as { connectionPromise: unknown }).connectionPromise = null;
  }
}
