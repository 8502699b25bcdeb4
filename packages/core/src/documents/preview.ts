import { z } from 'zod';
import { apiVersionField, clusterNameField, digestField, kindField, revisionField, timestampField } from './common.js';

/**
 * The annotation naming which app a bundle object belongs to: agents count
 * their status `apps` by it. Preview objects carry `<namespace>/<app>`, so a
 * preview's apps never share a name with the host's own.
 */
export const APP_ANNOTATION = 'driftless.io/app';

/** The label every object of a preview carries, its Namespace included: the preview's slug. */
export const PREVIEW_LABEL = 'driftless.io/preview';

/** The largest preview document a reader reads, bytes. */
export const PREVIEW_MAX_BYTES = 256 * 1024;

/**
 * `previews/<slug>.json`: one live preview environment, written by the hub's
 * preview cycle only, deleted when the preview is removed (its branch was
 * deleted, merged into the base branch, or its ttl passed without a new
 * commit). `driftless previews` lists these, with each host's phase from the
 * agents' statuses (`apps`, keyed `<namespace>/<app>`).
 */
export const previewSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('Preview'),
  /** The branch, as git names it (`feature/login`). */
  branch: z.string().min(1),
  /** Its DNS-safe slug (see previewSlugs): the key of this document. */
  slug: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label'),
  /** The namespace every object of the preview is in, on every host. */
  namespace: z.string().min(1).max(63),
  /** The branch's newest commit the cycle has seen. */
  commit: revisionField,
  /** The apps previewed (`spec.previews.apps`). */
  apps: z.array(z.string().min(1)),
  /** The host clusters it is on (`spec.previews.clusters`), sorted. */
  hosts: z.array(clusterNameField),
  /**
   * The last successful build: the branch commit and the base revision
   * (whose fleet.yaml and cluster files it used) it was built from, when, and
   * each host's preview objects as a bundle blob (what the host's previews
   * bundle merges). Absent until a build of the branch succeeds.
   */
  built: z
    .strictObject({
      commit: revisionField,
      baseRevision: revisionField,
      /** A digest of every input of the build besides the branch commit (spec.previews, the hosts' cluster files): unchanged, the branch is not fetched again. */
      inputs: z.string().min(1),
      at: timestampField,
      bundles: z.record(clusterNameField, digestField),
    })
    .optional(),
  /**
   * The newest build's failure, when the newest commit failed to build (the
   * last good build, if any, stays in place), and the base inputs it failed
   * on (see `built.inputs`): a never-built preview is tried again when they change.
   */
  error: z.strictObject({ commit: revisionField, message: z.string().min(1), at: timestampField, inputs: z.string().min(1).optional() }).optional(),
  /** When the cycle first saw the branch. */
  createdAt: timestampField,
  /** When the cycle first saw its newest commit: the ttl counts from here. */
  updatedAt: timestampField,
  /** `updatedAt` plus `spec.previews.ttl`: without a new commit, the preview is removed at the first cycle after this. */
  expiresAt: timestampField,
});

/** A `previews/<slug>.json` document, as previewSchema validates it. */
export type Preview = z.infer<typeof previewSchema>;
