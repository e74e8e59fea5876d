// A checkpoint on the wire: the projection's state and the position it
// reflects, JSON. Read back with suspicion: a checkpoint that does not parse,
// or belongs to another projection, is ignored (the projection rebuilds from
// the start), never trusted halfway.
export interface Checkpoint {
  readonly position: bigint;
  readonly parked: number;
  readonly state: unknown;
}

interface Wire {
  v: 1;
  projection: string;
  position: string;
  parked: number;
  state: unknown;
}

export function encodeCheckpoint(projection: string, checkpoint: Checkpoint): Uint8Array {
  const wire: Wire = { v: 1, projection, position: checkpoint.position.toString(), parked: checkpoint.parked, state: checkpoint.state };
  return Buffer.from(JSON.stringify(wire));
}

/** The checkpoint, or a reason it cannot be used. */
export function decodeCheckpoint(projection: string, bytes: Uint8Array): Checkpoint | { readonly unusable: string } {
  let wire: Partial<Wire>;
  try {
    wire = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Wire>;
  } catch (error) {
    return { unusable: `not JSON (${String(error)})` };
  }
  if (typeof wire !== 'object' || wire === null || wire.v !== 1) return { unusable: 'unknown format' };
  if (wire.projection !== projection) return { unusable: `it belongs to ${String(wire.projection)}` };
  if (typeof wire.position !== 'string' || !/^\d{1,30}$/.test(wire.position)) return { unusable: 'no valid position' };
  const parked = Number.isSafeInteger(wire.parked) && wire.parked! >= 0 ? wire.parked! : 0;
  return { position: BigInt(wire.position), parked, state: wire.state };
}
