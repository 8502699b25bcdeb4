export { createFileStore, type FileStoreOptions } from './file-store.js';
export { openStore, parseStoreUrl, type OpenedStore, type StoreEnv, type StoreLocation } from './open-store.js';
// The S3 adapter is its own entry point, @driftless/store/s3, so that importing this
// one does not load the AWS SDK.
export { agentStorePolicy, type IamPolicy } from './agent-policy.js';
