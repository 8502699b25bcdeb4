import { z } from 'zod';
import { apiVersionField, kindField } from './common.js';
import { kubeObjectSchema } from './kube-object.js';

/**
 * Set by the hub on an object of a kind whose scope it cannot know (a custom
 * resource whose CRD is not in the same bundle) and that names no namespace:
 * the namespace it belongs in if the cluster serves its kind as namespaced
 * (the app's namespace, else `default`). Such an object carries no
 * `metadata.namespace` in the bundle; the agent settles its scope from API
 * discovery and never applies this annotation.
 */
export const DEFAULT_NAMESPACE_ANNOTATION = 'driftless.dev/default-namespace';

/**
 * A bundle: every object one cluster should have, sorted by (group, kind,
 * namespace, name). Objects of kinds the hub knows to be namespaced carry
 * their namespace; cluster-scoped ones carry none; objects of kinds it
 * cannot know carry what the manifest said, or none and
 * {@link DEFAULT_NAMESPACE_ANNOTATION}. Stored as gzip of its RFC 8785 canonical JSON under its
 * digest; the git revision is deliberately not inside, so the same desired state
 * has the same digest whatever the commit.
 */
export const bundleSchema = z.object({
  apiVersion: apiVersionField,
  kind: kindField('Bundle'),
  objects: z.array(kubeObjectSchema),
});

export type Bundle = z.infer<typeof bundleSchema>;
