
export * from './project.js';
export * from './resource.js';
export * from './resource.decide.js';
