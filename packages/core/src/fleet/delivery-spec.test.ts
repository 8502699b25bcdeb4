import { describe, expect, it } from 'vitest';
import { RING_DEFAULTS } from '../delivery/plan.js';
import { resolveDeliveryPlan } from './delivery-spec.js';
import { parseFleet } from './spec.js';

const HEAD = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: db
      path: apps/db
      stateful: true
      targets: [{ selector: {} }]
`;
// Line 9 is `delivery:`, line 11 `rings:`, ring-0 starts at 12, ring-1 at 19, ring-2 at 22.
const DELIVERY = `  delivery:
    mode: continuous-delivery
    rings:
      - name: ring-0
        selector: { matchLabels: { ring: "0" } }
        soak: 10m
        maxConcurrent: 100%
        maxFailures: 0
        progressDeadline: 15m
        approval: required
      - name: ring-1
        selector: { matchLabels: { ring: "1" } }
        maxFailures: 10%
      - name: ring-2
        selector: {}
        maxConcurrent: 25
    onFailure: revert
`;
const FLEET = HEAD + DELIVERY;

describe('spec.delivery', () => {
  it('resolves rings with defaults, ms and amounts; the last ring needs approval in continuous-delivery mode', () => {
    const fleet = parseFleet(FLEET);
    expect(fleet.spec.apps[0]?.stateful).toBe(true);
    expect(fleet.lines).toEqual({ delivery: 9, rings: [12, 19, 22] });
    const plan = resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery'));
    expect(plan).toEqual({
      mode: 'continuous-delivery',
      onFailure: 'revert',
      rings: [
        { name: 'ring-0', soakMs: 600_000, maxConcurrent: { kind: 'percent', value: 100 }, maxFailures: { kind: 'count', value: 0 }, progressDeadlineMs: 900_000, approval: true, checks: [] },
        { name: 'ring-1', soakMs: 0, maxConcurrent: RING_DEFAULTS.maxConcurrent, maxFailures: { kind: 'percent', value: 10 }, progressDeadlineMs: RING_DEFAULTS.progressDeadlineMs, approval: false, checks: [] },
        { name: 'ring-2', soakMs: 0, maxConcurrent: { kind: 'count', value: 25 }, maxFailures: RING_DEFAULTS.maxFailures, progressDeadlineMs: 600_000, approval: true, checks: [] },
      ],
    });
  });

  it('defaults mode to continuous-delivery, onFailure to halt, and stateful to false', () => {
    const fleet = parseFleet(HEAD.replace('      stateful: true\n', '') + '  delivery:\n    rings: [{ name: all, selector: {} }]\n');
    expect(fleet.spec.apps[0]?.stateful).toBe(false);
    expect(resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery'))).toMatchObject({ mode: 'continuous-delivery', onFailure: 'halt', rings: [{ name: 'all', approval: true }] });
  });

  it('in continuous-deployment mode only rings that say approval: required need one', () => {
    const fleet = parseFleet(FLEET.replace('mode: continuous-delivery', 'mode: continuous-deployment'));
    expect(resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery')).rings.map((r) => r.approval)).toEqual([true, false, false]);
  });

  it('takes soak: 0 and a fleet without delivery', () => {
    expect(parseFleet(FLEET.replace('soak: 10m', 'soak: 0')).spec.delivery?.rings[0]?.soak).toBe(0);
    const plain = parseFleet(HEAD);
    expect(plain.spec.delivery).toBeUndefined();
    expect(plain.lines).toBeUndefined();
  });

  it.each([
    ['an invalid duration', FLEET.replace('soak: 10m', 'soak: 10 minutes'), 'fleet.yaml:14: spec.delivery.rings[0].soak: "10 minutes" must be a duration like 30s, 10m or 1h'],
    ['a bare number as a duration', FLEET.replace('progressDeadline: 15m', 'progressDeadline: 15'), 'fleet.yaml:17: spec.delivery.rings[0].progressDeadline: 15 must be a duration'],
    ['a progress deadline of 0', FLEET.replace('progressDeadline: 15m', 'progressDeadline: 0s'), 'fleet.yaml:17: spec.delivery.rings[0].progressDeadline: "0s" must be a duration like 30s, 10m or 1h, more than 0'],
    ['a percentage over 100', FLEET.replace('maxConcurrent: 100%', 'maxConcurrent: 150%'), 'fleet.yaml:15: spec.delivery.rings[0].maxConcurrent: "150%" must be a number of clusters (at least 1) or a percentage from 1% to 100%'],
    ['a word as an amount', FLEET.replace('maxFailures: 10%', 'maxFailures: ten'), 'fleet.yaml:21: spec.delivery.rings[1].maxFailures: "ten" must be a number of clusters (at least 0) or a percentage from 0% to 100%'],
    ['a percentage with three decimals', FLEET.replace('maxFailures: 10%', 'maxFailures: 2.345%'), 'fleet.yaml:21: spec.delivery.rings[1].maxFailures: "2.345%" must be a number of clusters (at least 0) or a percentage from 0% to 100% with at most two decimals'],
    ['a wave of 0 clusters', FLEET.replace('maxConcurrent: 25', 'maxConcurrent: 0'), 'fleet.yaml:24: spec.delivery.rings[2].maxConcurrent: 0 must be a number of clusters (at least 1)'],
    ['a fractional count', FLEET.replace('maxConcurrent: 25', 'maxConcurrent: 2.5'), 'fleet.yaml:24: spec.delivery.rings[2].maxConcurrent: 2.5 must be'],
    ['duplicate ring names', FLEET.replace('name: ring-1', 'name: ring-0'), 'fleet.yaml:19: spec.delivery.rings[1].name: ring ring-0 is defined twice (also rings[0])'],
    ['a ring name that is not a DNS label', FLEET.replace('name: ring-1', 'name: Ring_1'), 'fleet.yaml:19: spec.delivery.rings[1].name: must be a DNS label'],
    ['an unknown ring key', FLEET.replace('soak: 10m', 'soakTime: 10m'), 'fleet.yaml:14: spec.delivery.rings[0]: Unrecognized key: "soakTime"'],
    ['an unknown delivery key', FLEET.replace('onFailure: revert', 'onFailure: revert\n    freeze: true'), 'fleet.yaml:26: spec.delivery: Unrecognized key: "freeze"'],
    ['approval other than required', FLEET.replace('approval: required', 'approval: yes'), 'fleet.yaml:18: spec.delivery.rings[0].approval: only `required` is supported'],
    ['an unknown mode', FLEET.replace('mode: continuous-delivery', 'mode: yolo'), 'fleet.yaml:10: spec.delivery.mode:'],
    ['an unknown onFailure', FLEET.replace('onFailure: revert', 'onFailure: rollback'), 'fleet.yaml:25: spec.delivery.onFailure:'],
    ['a ring without a selector', FLEET.replace('        selector: {}\n', ''), 'fleet.yaml:22: spec.delivery.rings[2].selector: Invalid input: expected object'],
    ['no rings', HEAD + '  delivery:\n    rings: []\n', 'fleet.yaml:10: spec.delivery.rings: delivery needs at least one ring'],
    ['ring checks (not supported yet)', FLEET.replace('soak: 10m', 'checks: [error-rate]'), 'fleet.yaml:14: spec.delivery.rings[0].checks: metric checks are not supported yet'],
    ['delivery checks (not supported yet)', FLEET.replace('onFailure: revert', 'checks:\n      - name: error-rate\n        max: 0.02'), 'fleet.yaml:26: spec.delivery.checks: metric checks are not supported yet'],
    ['stateful that is not a boolean', FLEET.replace('stateful: true', 'stateful: maybe'), 'fleet.yaml:7: spec.apps[0].stateful:'],
  ])('refuses %s, naming file, line and field', (_what, text, message) => {
    expect(() => parseFleet(text)).toThrow(message);
  });
});
