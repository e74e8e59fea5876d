// Idempotency keys in NATS JetStream KV, so that every gateway instance sees
// every key: one bucket, created on first use if missing, whose entries
// expire after 24 h (the bucket's TTL). Claims are atomic (`create` fails
// when the key exists) and updates are compare-and-set on the revision, so
// two gateways that receive the same key at once cannot both run the create.
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { type NatsConnection } from '@nats-io/transport-node';
import { ensureReplicas } from '@pn/event-store';
import { busUnavailable, BUS_CONNECTION, isWrongLastSequence, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { KEY_TTL_MS, type IdempotencyRecord } from './idempotency-rules.js';

export const IDEMPOTENCY_BUCKET = 'idempotency';
const OPERATION_TIMEOUT_MS = 2000;

export interface StoredRecord {
  readonly record: IdempotencyRecord;
  readonly revision: number;
}

@Injectable()
export class IdempotencyStore implements OnModuleInit {
  private readonly logger = new Logger('Idempotency');
  private bucket: Promise<KV> | undefined;
  private disconnected = false;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    void this.followStatus(this.nc);
  }

  /** Claims a free key; the new revision, or undefined when the key is taken. */
  async claim(key: string, record: IdempotencyRecord): Promise<number | undefined> {
    const kv = await this.kv();
    return kv.create(key, JSON.stringify(record)).catch(lostRace);
  }

  async read(key: string): Promise<StoredRecord | undefined> {
    const entry = await (await this.kv()).get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { record: entry.json<IdempotencyRecord>(), revision: entry.revision };
  }

  /** Replaces the record if it is still at `revision`; the new revision, or undefined when someone wrote it since. */
  async replace(key: string, record: IdempotencyRecord, revision: number): Promise<number | undefined> {
    const kv = await this.kv();
    return kv.update(key, JSON.stringify(record), revision, OPERATION_TIMEOUT_MS).catch(lostRace);
  }

  /** Frees the key if it is still at `revision`. */
  async release(key: string, revision: number): Promise<void> {
    await (await this.kv()).delete(key, { previousSeq: revision }).catch(lostRace);
  }

  private kv(): Promise<KV> {
    const nc = this.nc;
    // While NATS is down the client would queue the request until it times
    // out; say 503 at once instead.
    if (!nc || this.disconnected || nc.isClosed()) return Promise.reject(busUnavailable('idempotency keys'));
    // As many copies as the event stream: a key kept on one node of a cluster is lost with it, and so is every create that needs it.
    const replicas = this.config.eventStreamReplicas;
    this.bucket ??= (async () => {
      const kv = await new Kvm(nc).create(IDEMPOTENCY_BUCKET, { ttl: KEY_TTL_MS, history: 1, replicas });
      await ensureReplicas(await jetstreamManager(nc), `KV_${IDEMPOTENCY_BUCKET}`, replicas);
      return kv;
    })().catch((error: unknown) => {
      this.bucket = undefined; // try again on the next request
      throw error;
    });
    return this.bucket;
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.disconnected = true;
      if (status.type === 'reconnect') this.disconnected = false;
    }
    this.logger.debug('idempotency connection closed');
  }
}

function lostRace(error: unknown): undefined {
  if (isWrongLastSequence(error)) return undefined;
  throw error;
}
