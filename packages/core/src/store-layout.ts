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
  rolloutsPrefix: 'rollouts/',
  /** One release moving through the rings; compare-and-swap only. */
  rollout: (id: string): string => `rollouts/${id}.json`,
  /** Which rollout is current (the newest release); compare-and-swap only. */
  currentRollout: 'rollouts/current.json',
  /** The fleet-wide freeze, present while frozen. */
  freeze: 'control/freeze.json',
  /** Flag overrides set outside Git (kill switches); compare-and-swap only. */
  flagOverrides: 'flags/overrides.json',
  previewsPrefix: 'previews/',
  /** One live preview environment (issue 16), written by the hub's preview cycle only; deleted when the preview is removed. */
  preview: (slug: string): string => `previews/${slug}.json`,
  auditPrefix: 'audit/',
  /** One audit entry, seq zero-padded to 16 digits; put-if-absent, never rewritten. */
  auditEntry: (seq: number): string => `audit/${String(seq).padStart(16, '0')}.json`,
  /** Where the audit log's newest entry is believed to be (a hint, never trusted over the entries themselves). */
  auditHead: 'hub/audit-head.json',
  /** The hub lease: which `hub serve` replica is active. */
  hubLease: 'hub/lease.json',
} as const;
