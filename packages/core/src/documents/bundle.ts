import { z } from 'zod';
import { apiVersionField, kindField } from './common.js';
import { kubeObjectSchema } from './kube-object.js';

/**
 * A bundle: every object one cluster should have, sorted by (group, kind,
 * namespace, name). Stored as gzip of its RFC 8785 canonical JSON under its
 * digest; the git revision is deliberately not inside, so the same desired state
 * has the same digest whatever the commit.
 */
export const bundleSchema = z.object({
  apiVersion: apiVersionField,
  kind: kindField('Bundle'),
  objects: z.array(kubeObjectSchema),
});

export type Bundle = z.infer<typeof bundleSchema>;
