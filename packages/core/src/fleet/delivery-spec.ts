import { z } from 'zod';
import { DELIVERY_MODES, ON_FAILURE, RING_DEFAULTS, type Amount, type DeliveryPlan, type RingPlan } from '../delivery/plan.js';
import { parseDuration } from '../duration.js';
import { dnsLabel } from './labels.js';
import { labelSelectorSchema } from './selector.js';

/** A duration as parseDuration reads it (`30s`, `10m`, `1h30m`), in ms; a bare `0` is taken as no time. */
function durationField(positive: boolean) {
  const hint = `must be a duration like 30s, 10m or 1h${positive ? ', more than 0' : ''}`;
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? (v === 0 ? 0 : undefined) : parseDuration(v);
    if (ms === undefined || (positive && ms === 0)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${hint}` });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * A number of clusters (whole, at least `min`) or a percentage `N%` of the
 * ring's clusters (`min`% to 100%, at most two decimals: `2.35%`). The
 * percentage is read as text into basis points, so the bounds are checked in
 * integers and no float ever rounds a share the wrong way.
 */
function amountField(min: number) {
  const hint = `must be a number of clusters (at least ${min}) or a percentage from ${min}% to 100% with at most two decimals`;
  return z.union([z.string(), z.number()]).transform((v, ctx): Amount => {
    const percent = typeof v === 'string' ? /^(\d+)(?:\.(\d{1,2}))?%$/.exec(v.trim()) : null;
    if (percent) {
      const basisPoints = Number(percent[1]) * 100 + Number((percent[2] ?? '').padEnd(2, '0'));
      if (basisPoints >= min * 100 && basisPoints <= 10_000) return { kind: 'percent', value: basisPoints / 100 };
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= min) {
      return { kind: 'count', value: v };
    }
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${hint}` });
    return z.NEVER;
  });
}

/** Metric checks are issue 13's: refused, wherever written, so nobody believes a ring is gated by them. */
const notYetChecks = z
  .custom<never>(() => false, { error: 'metric checks are not supported yet: remove `checks` (rings gate on health, soak and approval)' })
  .optional();

/** One ring of `spec.delivery.rings`, as written (durations in ms, amounts parsed; defaults not applied). */
export const ringSpecSchema = z.strictObject({
  name: dnsLabel,
  /** The clusters of this ring: those it selects that no earlier ring does. `{}` selects every cluster. */
  selector: labelSelectorSchema,
  soak: durationField(false).optional(),
  maxConcurrent: amountField(1).optional(),
  maxFailures: amountField(0).optional(),
  progressDeadline: durationField(true).optional(),
  approval: z.literal('required', { error: 'only `required` is supported (leave approval out for none)' }).optional(),
  checks: notYetChecks,
});

/** `spec.delivery` of fleet.yaml, as written. */
export const deliverySpecSchema = z
  .strictObject({
    /** Default `continuous-delivery`: the last ring waits for an approval unless the fleet says otherwise. */
    mode: z.enum(DELIVERY_MODES).default('continuous-delivery'),
    rings: z.array(ringSpecSchema).min(1, 'delivery needs at least one ring'),
    checks: notYetChecks,
    onFailure: z.enum(ON_FAILURE).default('halt'),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, number>();
    d.rings.forEach((ring, i) => {
      const first = seen.get(ring.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rings', i, 'name'], message: `ring ${ring.name} is defined twice (also rings[${first}])` });
      else seen.set(ring.name, i);
    });
  });

/**
 * `spec.delivery` as parsed (defaults of `mode` and `onFailure` applied,
 * durations in ms, amounts parsed; ring defaults not applied): what
 * {@link resolveDeliveryPlan} turns into the plan a rollout follows.
 */
export type DeliverySpec = z.infer<typeof deliverySpecSchema>;
/** One ring of {@link DeliverySpec}: optional fields stay absent (see RING_DEFAULTS), durations in ms. */
export type RingSpec = z.infer<typeof ringSpecSchema>;

/**
 * The plan the rollout state machine follows: every omitted field from
 * {@link RING_DEFAULTS}; a ring needs approval when it says
 * `approval: required`, and the last ring does in `continuous-delivery` mode.
 */
export function resolveDeliveryPlan(spec: DeliverySpec): DeliveryPlan {
  const last = spec.rings.length - 1;
  const rings = spec.rings.map(
    (r, i): RingPlan => ({
      name: r.name,
      soakMs: r.soak ?? RING_DEFAULTS.soakMs,
      maxConcurrent: r.maxConcurrent ?? RING_DEFAULTS.maxConcurrent,
      maxFailures: r.maxFailures ?? RING_DEFAULTS.maxFailures,
      progressDeadlineMs: r.progressDeadline ?? RING_DEFAULTS.progressDeadlineMs,
      approval: r.approval === 'required' || (spec.mode === 'continuous-delivery' && i === last),
      checks: [],
    }),
  );
  return { mode: spec.mode, rings, onFailure: spec.onFailure, checks: [] };
}
