export * from './decider.js';
export * from './spec.js';
