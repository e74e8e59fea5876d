// Appends, conflicts and append latency of a service's event store, counted
// by stream category (the part of the stream id before its first '-':
// `network`, `resource`, …), never by stream, which would make a series per
// resource. One wrapper around the port, like request-metadata.ts, so no
// command handler has to remember it.
import { WrongExpectedRevisionError, type EventStore } from '@pn/event-store';
import { secondsSince, type Metrics } from './metrics.js';

const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
};

export function withAppendMetrics(store: EventStore, metrics: Metrics | undefined): EventStore {
  if (!metrics) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        const append: EventStore['append'] = async (streamId, events, expected) => {
          const category = categoryOf(streamId);
          const start = performance.now();
          try {
            const result = await target.append(streamId, events, expected);
            metrics.eventStoreAppends.inc({ category });
            metrics.eventStoreAppendDuration.observe({ category, outcome: 'ok' }, secondsSince(start));
            return result;
          } catch (error) {
            const conflict = error instanceof WrongExpectedRevisionError;
            if (conflict) metrics.eventStoreConflicts.inc({ category });
            metrics.eventStoreAppendDuration.observe({ category, outcome: conflict ? 'conflict' : 'error' }, secondsSince(start));
            throw error;
          }
        };
        return append;
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
