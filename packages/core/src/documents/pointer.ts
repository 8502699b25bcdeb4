import { z } from 'zod';
import { apiVersionField, clusterNameField, digestField, kindField, revisionField, timestampField } from './common.js';

/**
 * The one mutable document per cluster, `clusters/<name>/desired.json`, written
 * by the hub only: which bundle the cluster should run. `generation` only ever
 * increases. `signature`, when present, is `ed25519:<base64>` over the canonical
 * JSON of the pointer without its `signature` field; since the pointer names the
 * bundle digest, a valid signature covers the bundle too.
 */
export const pointerSchema = z.object({
  apiVersion: apiVersionField,
  kind: kindField('Pointer'),
  cluster: clusterNameField,
  bundle: digestField,
  revision: revisionField,
  /**
   * The host cluster's previews bundle (issue 16), when it hosts any preview
   * environment: one bundle holding every preview it runs, applied by the
   * agent together with `bundle` (one desired state, so a preview that leaves
   * it is pruned). Moved by the hub's preview cycle apart from releases:
   * every other writer of the pointer keeps it as it is. Covered by the signature.
   */
  previews: digestField.optional(),
  generation: z.int().positive(),
  publishedAt: timestampField,
  /**
   * When set, agents refuse the pointer from this instant on (freeze attack:
   * a stale but validly signed pointer must not be accepted for ever). The
   * hub re-signs pointers before it passes. Covered by the signature.
   */
  expiresAt: timestampField.optional(),
  signature: z.string().regex(/^ed25519:[A-Za-z0-9+/]+={0,2}$/, 'must be ed25519: followed by base64').optional(),
});

export type Pointer = z.infer<typeof pointerSchema>;
export type UnsignedPointer = Omit<Pointer, 'signature'>;
