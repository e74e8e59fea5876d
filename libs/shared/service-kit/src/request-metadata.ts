// Every event a service appends names the request that caused it: the store
// each service gets adds the correlation and causation ids of the request
// being handled (request-context.ts) to the metadata of each appended event.
// One wrapper around the port, so no command handler has to remember it.
import type { EventStore } from '@pn/event-store';
import { eventMetadata } from './request-context.js';

export function withRequestMetadata(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        const append: EventStore['append'] = (streamId, events, expected) => {
          const metadata = eventMetadata();
          if (Object.keys(metadata).length === 0) return target.append(streamId, events, expected);
          return target.append(streamId, events.map((e) => ({ ...e, metadata: { ...metadata, ...e.metadata } })), expected);
        };
        return append;
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
