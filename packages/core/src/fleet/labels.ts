import { z } from 'zod';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A DNS label (RFC 1123): app and ring names. */
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase a-z, 0-9 and "-", at most 63');

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * A Kubernetes label value: empty, or at most 63 characters of a-z, A-Z,
 * 0-9, `-`, `_` and `.`, starting and ending alphanumeric. Cluster labels are
 * substituted into manifests (`${cluster.labels.KEY}`) before they are
 * parsed, so this also keeps a label from carrying YAML (newlines, `:`,
 * quotes, flow brackets) into every manifest that uses it.
 */
export const labelValueField = z
  .string()
  .refine((v) => v === '' || (v.length <= 63 && NAME.test(v)), {
    error: 'must be a Kubernetes label value: at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending with a letter or digit',
  });

/** Whether `key` is a Kubernetes label key: `[prefix/]name`, prefix a DNS subdomain (≤ 253), name ≤ 63 like a value. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME.test(name);
}

/** Labels as Kubernetes allows them: keys and values checked as above. */
export const labelsField = z.record(z.string(), labelValueField).superRefine((labels, ctx) => {
  for (const key of Object.keys(labels)) {
    if (!isLabelKey(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'must be a Kubernetes label key: an optional DNS-subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and "."',
      });
    }
  }
});
