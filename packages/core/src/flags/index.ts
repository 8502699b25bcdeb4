export * from './flag-definition.js';
export { FLAG_KEY_PATTERN, parseFlagFile, ringOf, type FlagFileContext } from './flag-file.js';
export { parseFlagFiles, type FlagFileText } from './flag-files.js';
export { bundleNamespaces, flagConfigMaps, flagdDocument, resolveFlagVariant, type FlagCluster, type FlagdDocument, type FlagdFlag, type FlagdMetadata } from './flagd-document.js';
export type { TargetingValidator } from './targeting.js';
export * from './flag-divergence.js';
export * from './flag-health.js';
export * from './flag-records.js';
export * from './apply-flag-overrides.js';
