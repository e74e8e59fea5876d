export * from './catalog.js';
export * from './project.js';
export * from './quota.js';
export * from './resource.js';
export * from './resource.decide.js';
