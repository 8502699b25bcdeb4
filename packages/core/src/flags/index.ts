export * from './flag-definition.js';
