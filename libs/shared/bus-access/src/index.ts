export * from './access-table.js';
export * from './bus-names.js';
export * from './credentials.js';
export * from './permissions.js';
export * from './server-config.js';
export * from './subject-match.js';
export * from './access-markdown.js';
