export * from './address-space.js';
export * from './ipv4.js';
export * from './network.js';
export * from './network.decide.js';
export * from './public-pool-range.js';
export * from './public-pool-space.js';
export * from './public-pool.js';
export * from './public-pool.decide.js';
