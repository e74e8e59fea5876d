// Events are stored as protobuf binary, typed by their short message name
// (`AddressAllocated`). A domain event is `{ type, data }` with `data` the
// generated message, so what is in the store is exactly what proto/ defines.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

type SchemaMap = Record<string, DescMessage>;

/** The domain event union of a schema map: `{ type: 'X'; data: X }` for each entry. */
export type EventsOf<M extends SchemaMap> = {
  [K in keyof M & string]: { readonly type: K; readonly data: MessageShape<M[K]> };
}[keyof M & string];

export interface ProtoEventCodec<E> {
  encode(event: E): { type: string; data: Uint8Array };
  decode(recorded: { type: string; data: Uint8Array }): E | undefined;
}

export function protoEventCodec<M extends SchemaMap>(schemas: M): ProtoEventCodec<EventsOf<M>> {
  return {
    encode(event) {
      const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
      if (!schema) throw new Error(`no schema for event type ${event.type}`);
      return { type: event.type, data: toBinary(schema, event.data as never) };
    },
    decode(recorded) {
      // Own properties only: a stored type named `toString` or `__proto__` is unknown, not a schema.
      const schema = Object.hasOwn(schemas, recorded.type) ? schemas[recorded.type] : undefined;
      if (!schema) return undefined;
      return { type: recorded.type, data: fromBinary(schema, recorded.data) } as EventsOf<M>;
    },
  };
}
