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
      checks: [],
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
    ['a ring that lists a check when delivery defines none', FLEET.replace('soak: 10m', 'checks: [error-rate]'), 'fleet.yaml:14: spec.delivery.rings[0].checks[0]: unknown check error-rate: spec.delivery.checks defines none'],
    ['stateful that is not a boolean', FLEET.replace('stateful: true', 'stateful: maybe'), 'fleet.yaml:7: spec.apps[0].stateful:'],
  ])('refuses %s, naming file, line and field', (_what, text, message) => {
    expect(() => parseFleet(text)).toThrow(message);
  });
});

/** The DESIGN.md example: three checks gate ring-0, one of them ring-1 too. */
const CHECKED = `${HEAD}  delivery:
    rings:
      - name: ring-0
        selector: { matchLabels: { ring: "0" } }
        checks: [error-rate, latency-p50, overrides]
      - name: ring-1
        selector: {}
        checks: [error-rate]
    checks:
      - name: error-rate
        prometheus: 'sum(rate(http_requests_total{cluster="\${cluster.name}",code=~"5.."}[1m])) / sum(rate(http_requests_total{cluster="\${cluster.name}"}[1m]))'
        max: 0.02
        for: 5m
      - name: latency-p50
        prometheus: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{cluster="\${cluster.name}",region="\${cluster.labels.region}"}[1m])))'
        max: 0.3
        min: 0
        for: 2m
        noData: pass
      - name: overrides
        prometheus: 'sum(increase(human_overrides_total{cluster=~"\${ring.clusters}"}[1h]))'
        max: 5
        aggregate: ring
        noData: fail
`;
// Lines: ring-0 11 (its checks 13), ring-1 14 (checks 16), `checks:` 17, error-rate 18-21, latency-p50 22-27, overrides 28-32.

describe('spec.delivery.checks', () => {
  it('resolves the checks the rings name, in fleet order, with their defaults, and each ring names its checks', () => {
    const fleet = parseFleet(CHECKED);
    expect(fleet.lines?.checks).toEqual([18, 22, 28]);
    const plan = resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery'));
    expect(plan.rings.map((r) => [r.name, r.checks])).toEqual([['ring-0', ['error-rate', 'latency-p50', 'overrides']], ['ring-1', ['error-rate']]]);
    expect(plan.checks).toEqual([
      {
        name: 'error-rate',
        query: 'sum(rate(http_requests_total{cluster="${cluster.name}",code=~"5.."}[1m])) / sum(rate(http_requests_total{cluster="${cluster.name}"}[1m]))',
        max: 0.02,
        forMs: 300_000,
        aggregate: 'cluster',
        noData: 'wait',
      },
      {
        name: 'latency-p50',
        query: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{cluster="${cluster.name}",region="${cluster.labels.region}"}[1m])))',
        max: 0.3,
        min: 0,
        forMs: 120_000,
        aggregate: 'cluster',
        noData: 'pass',
      },
      { name: 'overrides', query: 'sum(increase(human_overrides_total{cluster=~"${ring.clusters}"}[1h]))', max: 5, forMs: 0, aggregate: 'ring', noData: 'fail' },
    ]);
  });

  it('leaves out a check no ring lists; a ring without checks lists none', () => {
    const fleet = parseFleet(CHECKED.replace('checks: [error-rate, latency-p50, overrides]', 'checks: [overrides]').replace('        checks: [error-rate]\n', ''));
    const plan = resolveDeliveryPlan(fleet.spec.delivery ?? expect.fail('no delivery'));
    expect(plan.checks.map((c) => c.name)).toEqual(['overrides']);
    expect(plan.rings.map((r) => r.checks)).toEqual([['overrides'], []]);
  });

  it.each([
    ['an unknown check in a ring, naming the known ones', CHECKED.replace('[error-rate, latency-p50, overrides]', '[error-rate, latency]'), 'fleet.yaml:13: spec.delivery.rings[0].checks[1]: unknown check latency: spec.delivery.checks defines error-rate, latency-p50, overrides'],
    ['a check listed twice by one ring', CHECKED.replace('checks: [error-rate]', 'checks: [error-rate, error-rate]'), 'fleet.yaml:16: spec.delivery.rings[1].checks[1]: check error-rate is listed twice'],
    ['an invalid for', CHECKED.replace('for: 5m', 'for: 5 minutes'), 'fleet.yaml:21: spec.delivery.checks[0].for: "5 minutes" must be a duration like 30s, 10m or 1h'],
    ['an unknown variable, naming those the aggregate allows', CHECKED.replace('code=~"5.."', 'code=~"${vars.codes}"'), 'fleet.yaml:19: spec.delivery.checks[0].prometheus: unknown variable ${vars.codes}: a check with aggregate cluster may use ${cluster.name}, ${cluster.labels.KEY}, ${ring}'],
    ['a cluster variable in a ring query', CHECKED.replace('cluster=~"${ring.clusters}"', 'cluster="${cluster.name}"'), 'fleet.yaml:29: spec.delivery.checks[2].prometheus: unknown variable ${cluster.name}: a check with aggregate ring may use ${ring}, ${ring.clusters}'],
    ['a duplicate check name', CHECKED.replace('name: latency-p50', 'name: error-rate'), 'fleet.yaml:22: spec.delivery.checks[1].name: check error-rate is defined twice (also checks[0])'],
    ['a check with neither max nor min', CHECKED.replace('        max: 5\n', ''), 'fleet.yaml:28: spec.delivery.checks[2]: check overrides needs max, min or both'],
    ['min above max', CHECKED.replace('min: 0', 'min: 0.5'), 'fleet.yaml:25: spec.delivery.checks[1].min: min 0.5 is above max 0.3'],
    ['a threshold that is not a number', CHECKED.replace('max: 0.02', 'max: 2%'), 'fleet.yaml:20: spec.delivery.checks[0].max:'],
    ['a check name that is not a DNS label', CHECKED.replace('name: overrides', 'name: Overrides'), 'fleet.yaml:28: spec.delivery.checks[2].name: must be a DNS label'],
    ['a check without a query', CHECKED.replace(/ {8}prometheus: 'sum\(increase.*\n/, ''), 'fleet.yaml:28: spec.delivery.checks[2].prometheus:'],
    ['an unknown aggregate', CHECKED.replace('aggregate: ring', 'aggregate: fleet'), 'fleet.yaml:31: spec.delivery.checks[2].aggregate:'],
    ['an unknown noData', CHECKED.replace('noData: fail', 'noData: ignore'), 'fleet.yaml:32: spec.delivery.checks[2].noData:'],
    ['an unknown check key', CHECKED.replace('max: 5', 'max: 5\n        severity: high'), 'fleet.yaml:31: spec.delivery.checks[2]: Unrecognized key: "severity"'],
  ])('refuses %s, naming file, line and field', (_what, text, message) => {
    expect(() => parseFleet(text)).toThrow(message);
  });
});
