export * from './plan.js';
export * from './rollout-document.js';
export type * from './machine-types.js';
