export * from './account.js';
export * from './api-key-rules.js';
