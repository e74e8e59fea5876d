// @pn/projection: read models as data (Projection) run by one ProjectionRunner.
export * from './projection.js';
export * from './runner.js';
export { readCheckpoint, throughCheckpoint, writeCheckpoint, SLICE_MS } from './checkpoint.js';
export { LagTracker } from './lag.js';
