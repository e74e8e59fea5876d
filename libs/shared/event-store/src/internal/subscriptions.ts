// The open subscriptions of one store, so close() can stop them all first.
import type { Subscription } from '../event-store.port.js';

export class OpenSubscriptions {
  private readonly open = new Set<Subscription>();
  private closed = false;

  async add(start: () => Promise<Subscription>): Promise<Subscription> {
    if (this.closed) throw new Error('event store is closed');
    const sub = await start();
    if (this.closed) {
      // close() ran while this one was starting.
      await sub.close();
      throw new Error('event store is closed');
    }
    const tracked: Subscription = {
      caughtUp: sub.caughtUp,
      ...(sub.behindSince ? { behindSince: () => sub.behindSince!() } : {}),
      close: async () => {
        this.open.delete(tracked);
        await sub.close();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open].map((s) => s.close()));
  }
}
