import { digestHex, type Digest } from './digest.js';

/**
 * The object-store layout, the wire contract between hub and agents (DESIGN.md).
 * Keys are relative to the store's prefix; adapters add it.
 */
export const storeLayout = {
  blobsPrefix: 'blobs/sha256/',
  clustersPrefix: 'clusters/',
  revisionsPrefix: 'revisions/',
  /** Bundle blob: gzip of canonical JSON, written once with put-if-absent, never overwritten. */
  blob: (digest: Digest): string => `blobs/sha256/${digestHex(digest)}`,
  /** Pointer: written by the hub only. */
  pointer: (cluster: string): string => `clusters/${cluster}/desired.json`,
  /** Status: written by that cluster's agent only. */
  status: (cluster: string): string => `clusters/${cluster}/status.json`,
  /** What one compile of `revision` produced. */
  revision: (revision: string): string => `revisions/${revision}.json`,
} as const;
