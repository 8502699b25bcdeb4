export * from './audit-entry.js';
export * from './audit-head.js';
export * from './audit-chain.js';
export * from './audit-export.js';
