export * from './handle.js';
export * from './keyed-mutex.js';
export * from './snapshots.js';
