export * from './address-space.js';
export * from './ipv4.js';
export * from './network.js';
export * from './network.decide.js';
