import { z } from 'zod';
import { API_VERSION, kindField } from './common.js';
import { kubeObjectSchema, type KubeObject } from './kube-object.js';

/**
 * Set by the hub on an object of a kind whose scope it cannot know (a custom
 * resource whose CRD is not in the same bundle) and that names no namespace:
 * the namespace it belongs in if the cluster serves its kind as namespaced
 * (the app's namespace, else `default`). Such an object carries no
 * `metadata.namespace` in the bundle; the agent settles its scope from API
 * discovery and never applies this annotation.
 */
export const DEFAULT_NAMESPACE_ANNOTATION = 'driftless.dev/default-namespace';

/** The apiVersion of a bundle in which every object is placed (none carries {@link DEFAULT_NAMESPACE_ANNOTATION}). */
export const BUNDLE_API_VERSION = API_VERSION;

/**
 * The apiVersion of a bundle in which some object carries
 * {@link DEFAULT_NAMESPACE_ANNOTATION}. Agents before the annotation read only
 * {@link BUNDLE_API_VERSION}: they refuse such a bundle (Failed; nothing
 * applied, nothing pruned) rather than put an unplaced object in `default`
 * and prune the live one in its app's namespace. Bundles without unplaced
 * objects keep {@link BUNDLE_API_VERSION}, and so their digests.
 */
export const UNPLACED_BUNDLE_API_VERSION = 'driftless.dev/v1alpha2' as const;

/**
 * A bundle: every object one cluster should have, sorted by (group, kind,
 * namespace, name), of either apiVersion (see {@link UNPLACED_BUNDLE_API_VERSION}). Objects of kinds the hub knows to be namespaced carry
 * their namespace; cluster-scoped ones carry none; objects of kinds it
 * cannot know carry what the manifest said, or none and
 * {@link DEFAULT_NAMESPACE_ANNOTATION}. Stored as gzip of its RFC 8785 canonical JSON under its
 * digest; the git revision is deliberately not inside, so the same desired state
 * has the same digest whatever the commit.
 */
export const bundleSchema = z.object({
  apiVersion: z.enum([BUNDLE_API_VERSION, UNPLACED_BUNDLE_API_VERSION], {
    error: (iss) => `unsupported apiVersion ${JSON.stringify(iss.input)}; this reader understands ${BUNDLE_API_VERSION} and ${UNPLACED_BUNDLE_API_VERSION}`,
  }),
  kind: kindField('Bundle'),
  objects: z.array(kubeObjectSchema),
});

export type Bundle = z.infer<typeof bundleSchema>;

/** Whether `obj` carries {@link DEFAULT_NAMESPACE_ANNOTATION} (whatever its value): the agent settles where it goes. */
export function isUnplaced(obj: KubeObject): boolean {
  const annotations = obj.metadata['annotations'];
  return typeof annotations === 'object' && annotations !== null && Object.hasOwn(annotations, DEFAULT_NAMESPACE_ANNOTATION);
}

/** The apiVersion of a bundle of `objects`: {@link UNPLACED_BUNDLE_API_VERSION} when any is unplaced, else {@link BUNDLE_API_VERSION}. */
export function bundleApiVersionOf(objects: readonly KubeObject[]): Bundle['apiVersion'] {
  return objects.some(isUnplaced) ? UNPLACED_BUNDLE_API_VERSION : BUNDLE_API_VERSION;
}
