export { createFileStore, type FileStoreOptions } from './file-store.js';
export { assertValidKey, assertValidPrefix } from './keys.js';
export { openStore, parseStoreUrl, type OpenedStore, type StoreEnv, type StoreLocation } from './open-store.js';
export { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3-store.js';
