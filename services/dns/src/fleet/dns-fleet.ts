// Every running dns instance answers a change before the change is reported
// done. Scatter-gather over NATS:
//   - each instance publishes a heartbeat (`dns.fleet.<stream>.heartbeat`,
//     every HEARTBEAT_EVERY_MS), so each knows which instances run;
//   - after writing a zone event, the instance that handled the request asks
//     them all (`dns.fleet.<stream>.caught-up`, no queue group) to reply once
//     their view has applied that revision of the zone stream, and waits for a
//     reply from every live instance (itself included).
// The wait is bounded by PROJECTION_MAX_LAG_MS (and the request's deadline):
// an instance still behind by then answers SERVFAIL for that network, never
// the old address, and one that stopped drops out of the heartbeats.
//
// Messages are JSON on purpose: they never leave the dns service (instances
// of one build talk to each other), unlike the contracts in proto/. What is
// not one of them (fleet-messages.ts) is parked in the service's garbage bin.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { dnsFleetSubject } from '@pn/bus-access';
import type { Screened } from '@pn/event-store';
import { BUS_CONNECTION, GarbageBin, newInbox, PLATFORM_CONFIG, timeLeftMs, type PlatformConfig } from '@pn/service-kit';
import { ZoneProjection } from '../zone/zone.projection.js';
import { readCaughtUpReply, readCaughtUpRequest, readHeartbeat, type CaughtUpReply, type CaughtUpRequest, type Heartbeat } from './fleet-messages.js';
import { FleetMembers, HEARTBEAT_EVERY_MS, stillWaitingFor } from './fleet-members.js';

export interface FleetWait {
  /** Instances that were running when the change was announced. */
  readonly instances: number;
  /** Those that did not confirm within the bound (they answer SERVFAIL meanwhile, or have stopped). */
  readonly unconfirmed: string[];
}

@Injectable()
export class DnsFleet implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(DnsFleet.name);
  private readonly members = new FleetMembers(this.instanceId);
  private readonly subjects: { heartbeat: string; caughtUp: string };
  private nc: NatsConnection | undefined;
  private subscriptions: Subscription[] = [];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly projection: ZoneProjection,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly garbage: GarbageBin,
    // The instance's one bus connection; the fleet takes part from bootstrap to shutdown (this.nc).
    @Inject(BUS_CONNECTION) private readonly bus: NatsConnection,
  ) {
    const base = dnsFleetSubject(config.eventStream);
    this.subjects = { heartbeat: `${base}.heartbeat`, caughtUp: `${base}.caught-up` };
  }

  async onApplicationBootstrap(): Promise<void> {
    const nc = this.bus;
    this.nc = nc;
    this.subscriptions.push(
      nc.subscribe(this.subjects.heartbeat, {
        callback: (error, msg) => {
          if (error) return;
          const beat = this.read(msg, readHeartbeat);
          if (!beat || beat.id === this.instanceId) return;
          if (beat.leaving) this.members.left(beat.id);
          else this.members.seen(beat.id, Date.now());
        },
      }),
      nc.subscribe(this.subjects.caughtUp, {
        callback: (error, msg) => {
          if (error) return;
          const request = this.read(msg, readCaughtUpRequest);
          if (!request || !msg.reply) return;
          void this.projection.waitForRevision(request.streamId, request.revision, this.config.projectionMaxLagMs).then((applied) => {
            if (!nc.isClosed()) msg.respond(JSON.stringify({ id: this.instanceId, applied } satisfies CaughtUpReply));
          });
        },
      }),
    );
    const beat = () => nc.isClosed() || nc.publish(this.subjects.heartbeat, JSON.stringify({ id: this.instanceId } satisfies Heartbeat));
    beat();
    this.heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    const nc = this.nc;
    this.nc = undefined;
    for (const sub of this.subscriptions) sub.unsubscribe();
    if (!nc || nc.isClosed()) return;
    // Say so, rather than be waited for until the heartbeats time out.
    nc.publish(this.subjects.heartbeat, JSON.stringify({ id: this.instanceId, leaving: true } satisfies Heartbeat));
    await nc.flush().catch(() => undefined);
  }

  /** How many instances this one currently knows to be running (itself included). */
  liveInstances(): number {
    return this.members.live(Date.now()).size;
  }

  /**
   * Resolves once every running dns instance has applied `revision` of
   * `streamId` (so answers accordingly), or once the bound has passed.
   */
  async everyInstanceApplied(streamId: string, revision: number): Promise<FleetWait> {
    const expected = this.members.live(Date.now());
    const nc = this.nc;
    if (revision < 0) return { instances: expected.size, unconfirmed: [] };
    const boundMs = Math.max(0, Math.min(this.config.projectionMaxLagMs, timeLeftMs() ?? Infinity));
    if (!nc || nc.isClosed()) {
      // No fleet to ask (not connected yet, or shutting down): still this instance, whose view may not have it yet.
      const applied = await this.projection.waitForRevision(streamId, revision, boundMs);
      return { instances: expected.size, unconfirmed: applied ? [] : [this.instanceId] };
    }
    const acked = new Set<string>();
    const inbox = newInbox(this.config.natsCredentials);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, boundMs);
      const sub = nc.subscribe(inbox, {
        callback: (error, msg) => {
          if (error) return finish();
          const reply = this.read(msg, readCaughtUpReply);
          if (reply?.applied === true) acked.add(reply.id);
          if (stillWaitingFor(expected, acked).length === 0) finish();
        },
      });
      function finish() {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      }
      nc.publish(this.subjects.caughtUp, JSON.stringify({ streamId, revision } satisfies CaughtUpRequest), { reply: inbox });
    });
    const unconfirmed = stillWaitingFor(expected, acked);
    if (unconfirmed.length > 0) {
      this.logger.warn(`${unconfirmed.length} of ${expected.size} dns instances did not confirm ${streamId}@${revision} within ${boundMs} ms; they answer SERVFAIL until they catch up`);
    }
    return { instances: expected.size, unconfirmed };
  }

  /** The message, or undefined once parked: core NATS has no sequence, so each one counts. */
  private read<T>(msg: Msg, reader: (bytes: Uint8Array) => Screened<T>): T | undefined {
    const read = reader(msg.data);
    if (read.ok) return read.value;
    this.garbage.park({ consumer: 'dns-fleet', subject: msg.subject, stream: '', seq: 0, reason: read.reason, detail: read.detail, bytes: msg.data.byteLength });
    return undefined;
  }
}
