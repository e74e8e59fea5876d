export * from './zone.js';
export * from './zone-index.js';
