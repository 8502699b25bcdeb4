import { describe, expect, it } from 'vitest';
import { parseFleet } from '../fleet/spec.js';
import { resolveDeliveryPlan } from '../fleet/delivery-spec.js';
import { resolveAmount, type Amount } from './plan.js';

const percent = (value: number): Amount => ({ kind: 'percent', value });

describe('resolveAmount', () => {
  it.each([
    ['2.3% of 3000 as a failure budget', percent(2.3), 3000, false, 69],
    ['1.1% of 3000 as a wave', percent(1.1), 3000, true, 33],
    ['0.29% of 10000 as a failure budget', percent(0.29), 10_000, false, 29],
    ['0.57% of 10000 as a wave', percent(0.57), 10_000, true, 57],
    ['10% of 5 as a wave (at least one)', percent(10), 5, true, 1],
    ['10% of 5 as a failure budget (rounded down)', percent(10), 5, false, 0],
    ['33.33% of 3 as a wave (rounded up)', percent(33.33), 3, true, 1],
    ['100% of 7', percent(100), 7, true, 7],
    ['a count above the total', { kind: 'count' as const, value: 9 }, 4, true, 4],
    ['any wave of no cluster', percent(50), 0, true, 0],
  ])('%s', (_what, amount, total, atLeastOne, expected) => {
    expect(resolveAmount(amount, total, atLeastOne)).toBe(expected);
  });

  it('resolves percentages parsed from fleet.yaml exactly (basis points, not floats)', () => {
    const fleet = parseFleet(`apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps: [{ name: web, path: apps/web, targets: [{ selector: {} }] }]
  delivery:
    rings: [{ name: all, selector: {}, maxConcurrent: 1.1%, maxFailures: 2.3% }]
`);
    const ring = resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery')).rings[0] ?? expect.fail('no ring');
    expect([resolveAmount(ring.maxConcurrent, 3000, true), resolveAmount(ring.maxFailures, 3000, false)]).toEqual([33, 69]);
  });
});
