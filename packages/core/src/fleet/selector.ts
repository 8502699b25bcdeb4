import { z } from 'zod';

/** A Kubernetes label selector: matchLabels and matchExpressions, ANDed. */
export const labelSelectorSchema = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z
          .strictObject({
            key: z.string().min(1),
            operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: z.array(z.string()).optional(),
          })
          .refine((e) => (e.operator === 'In' || e.operator === 'NotIn' ? (e.values?.length ?? 0) > 0 : e.values === undefined || e.values.length === 0), {
            error: 'In and NotIn need a non-empty values list; Exists and DoesNotExist take no values',
          }),
      )
      .optional(),
  });

export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/**
 * Whether `labels` satisfy `selector`, with Kubernetes semantics: every
 * matchLabels pair must be present and equal, and every expression must hold
 * (In: the label exists with one of the values; NotIn: it is absent or has none
 * of them; Exists / DoesNotExist: presence). An empty selector matches everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}
