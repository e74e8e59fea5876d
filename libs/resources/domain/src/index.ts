export * from './catalog.js';
export * from './project.js';
export * from './resource.js';
export * from './resource.decide.js';
