export { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3-store.js';
