export * from './flag-definition.js';
export * from './flag-divergence.js';
export * from './flag-health.js';
export * from './flag-records.js';
