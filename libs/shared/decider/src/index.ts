export * from './decider.js';
export * from './own-value.js';
export * from './spec.js';
export * from './retired-ids.js';
export * from './quota.js';
export * from './watched-map.js';
