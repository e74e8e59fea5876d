export * from './zone.js';
export * from './zone-index.js';
export * from './view-answer.js';
