export * from './flag-definition.js';
export { FLAG_KEY_PATTERN, parseFlagFile, ringOf, type FlagFileContext } from './flag-file.js';
export { parseFlagFiles, type FlagFileText } from './flag-files.js';
export { flagConfigMaps, flagdDocument, resolveFlagVariant, type FlagCluster, type FlagdDocument, type FlagdFlag, type FlagdMetadata } from './flagd-document.js';
export { targetingProblem } from './targeting.js';
