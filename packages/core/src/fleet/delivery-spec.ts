import { z } from 'zod';
import { CHECK_VARIABLES, unknownCheckVariable } from '../delivery/check-queries.js';
import {
  CHECK_AGGREGATES,
  DELIVERY_MODES,
  NO_DATA_POLICIES,
  ON_FAILURE,
  RING_DEFAULTS,
  type Amount,
  type CheckPlan,
  type DeliveryPlan,
  type RingPlan,
} from '../delivery/plan.js';
import { parseDuration } from '../duration.js';
import { dnsLabel } from './labels.js';
import { labelSelectorSchema } from './selector.js';

/** A duration as parseDuration reads it (`30s`, `10m`, `1h30m`), in ms; a bare `0` is taken as no time. */
export function durationField(positive: boolean) {
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

/**
 * One metric check of `spec.delivery.checks`, as written (`for` in ms;
 * `aggregate` and `noData` defaulted). Its query may use only the variables
 * its aggregate gives a value (CHECK_VARIABLES), so a typo is a compile
 * error, not a query with a hole in it at the first step.
 */
export const checkSpecSchema = z
  .strictObject({
    name: dnsLabel,
    /** PromQL whose single value is judged; variables substituted per evaluation. */
    prometheus: z.string().trim().min(1, 'must be a PromQL query'),
    max: z.number().optional(),
    min: z.number().optional(),
    for: durationField(false).optional(),
    aggregate: z.enum(CHECK_AGGREGATES).default('cluster'),
    noData: z.enum(NO_DATA_POLICIES).default('wait'),
  })
  .superRefine((c, ctx) => {
    if (c.max === undefined && c.min === undefined) ctx.addIssue({ code: 'custom', message: `check ${c.name} needs max, min or both: the value that breaches it` });
    if (c.max !== undefined && c.min !== undefined && c.min > c.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${c.min} is above max ${c.max}: no value could pass` });
    }
    const unknown = unknownCheckVariable(c.prometheus, c.aggregate);
    if (unknown !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['prometheus'],
        message: `unknown variable ${unknown}: a check with aggregate ${c.aggregate} may use ${CHECK_VARIABLES[c.aggregate].join(', ')} ($\${…} for a literal \${)`,
      });
    }
  });

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
  /** Names of `spec.delivery.checks` that gate this ring. */
  checks: z.array(z.string()).optional(),
});

/** `spec.delivery` of fleet.yaml, as written. */
export const deliverySpecSchema = z
  .strictObject({
    /** Default `continuous-delivery`: the last ring waits for an approval unless the fleet says otherwise. */
    mode: z.enum(DELIVERY_MODES).default('continuous-delivery'),
    rings: z.array(ringSpecSchema).min(1, 'delivery needs at least one ring'),
    checks: z.array(checkSpecSchema).default([]),
    onFailure: z.enum(ON_FAILURE).default('halt'),
  })
  .superRefine((d, ctx) => {
    duplicates(d.rings, (i, first, name) => ctx.addIssue({ code: 'custom', path: ['rings', i, 'name'], message: `ring ${name} is defined twice (also rings[${first}])` }));
    duplicates(d.checks, (i, first, name) => ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `check ${name} is defined twice (also checks[${first}])` }));
    const known = d.checks.map((c) => c.name);
    d.rings.forEach((ring, i) => {
      (ring.checks ?? []).forEach((name, j) => {
        const path = ['rings', i, 'checks', j];
        if (!known.includes(name)) {
          const defined = known.length === 0 ? 'none' : known.join(', ');
          ctx.addIssue({ code: 'custom', path, message: `unknown check ${name}: spec.delivery.checks defines ${defined}` });
        } else if (ring.checks?.indexOf(name) !== j) {
          ctx.addIssue({ code: 'custom', path, message: `check ${name} is listed twice` });
        }
      });
    });
  });

/** Calls `found(index, firstIndex, name)` for each entry whose name an earlier entry already has. */
function duplicates(entries: readonly { readonly name: string }[], found: (index: number, first: number, name: string) => void): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const first = seen.get(entry.name);
    if (first !== undefined) found(i, first, entry.name);
    else seen.set(entry.name, i);
  });
}

/**
 * `spec.delivery` as parsed (defaults of `mode` and `onFailure` applied,
 * durations in ms, amounts parsed; ring defaults not applied): what
 * {@link resolveDeliveryPlan} turns into the plan a rollout follows.
 */
export type DeliverySpec = z.infer<typeof deliverySpecSchema>;
/** One ring of {@link DeliverySpec}: optional fields stay absent (see RING_DEFAULTS), durations in ms. */
export type RingSpec = z.infer<typeof ringSpecSchema>;
/** One check of {@link DeliverySpec}, `for` in ms (absent: 0). */
export type CheckSpec = z.infer<typeof checkSpecSchema>;

/**
 * The plan the rollout state machine follows: every omitted field from
 * {@link RING_DEFAULTS}; a ring needs approval when it says
 * `approval: required`, and the last ring does in `continuous-delivery` mode.
 * The plan's checks are those some ring lists, in fleet order: a check no
 * ring lists gates nothing (compile warns of it, see assignRings).
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
      checks: r.checks ?? [],
    }),
  );
  const listed = new Set(rings.flatMap((r) => r.checks));
  const checks = spec.checks.filter((c) => listed.has(c.name)).map(checkPlanOf);
  return { mode: spec.mode, rings, onFailure: spec.onFailure, checks };
}

function checkPlanOf(c: CheckSpec): CheckPlan {
  return {
    name: c.name,
    query: c.prometheus,
    ...(c.max === undefined ? {} : { max: c.max }),
    ...(c.min === undefined ? {} : { min: c.min }),
    forMs: c.for ?? 0,
    aggregate: c.aggregate,
    noData: c.noData,
  };
}
