export { compileFleet, DEFAULT_MAX_FILE_BYTES, type CompiledFleet, type CompileOptions } from './compile.js';
export { openTreeReader } from './git/git-tree-reader.js';
export { redact, syncGitSource, type GitSnapshot, type GitSourceOptions } from './git/git-source.js';
export { createHub, type CompileReport, type CompileRequest, type Hub, type HubDeps } from './hub.js';
export { publishFleet, type PublishOptions, type PublishResult } from './publish.js';
export { kustomizeRunner, type KustomizeOptions, type KustomizeRunner } from './render/kustomize.js';
export { generateSigningKeyPair, SIGNING_KEY_FILE, VERIFY_KEY_FILE, writeSigningKeyPair } from './signing-keys.js';
export { collectGarbage, type GcOptions, type GcReport } from './gc.js';
export { fleetStatus, type ClusterStatusRow } from './status-report.js';
