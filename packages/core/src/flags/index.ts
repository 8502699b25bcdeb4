export * from './flag-definition.js';
export * from './apply-flag-overrides.js';
