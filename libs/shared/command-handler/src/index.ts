export * from './handle.js';
export * from './keyed-mutex.js';
