import { applyRolloutCommand, RING_DEFAULTS, rolloutId, startRollout, stepRollout, type Digest, type ObservedStatus, type Observations, type RingPlan, type Rollout } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { ringLines } from './ring-lines.js';
import { createStatusPrinter } from './status-printer.js';

const NEW: Digest = `sha256:${'1'.repeat(64)}`;
const OLD: Digest = `sha256:${'2'.repeat(64)}`;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const S = 1_000;
const ring = (name: string, over: Partial<RingPlan> = {}): RingPlan => ({ ...RING_DEFAULTS, name, soakMs: 10 * S, approval: false, checks: [], ...over });
const RINGS = [ring('ring-0'), ring('ring-1'), ring('ring-2', { approval: true, maxConcurrent: { kind: 'percent', value: 50 } })];
const RING_OF: Record<string, number> = { c0: 0, c1: 0, c2: 1, c3: 2, c4: 2, c5: 2, c6: 2 };

function started(): Rollout {
  const clusters = new Map(Object.entries(RING_OF).map(([name, r]) => [name, { ring: r, to: NEW, from: OLD, statefulChanged: false }]));
  const release = { id: rolloutId('a'.repeat(40), T0), revision: 'a'.repeat(40), plan: { mode: 'continuous-delivery' as const, onFailure: 'halt' as const, rings: RINGS, checks: [] }, clusters };
  return startRollout(release, { statuses: new Map() }, T0).state;
}
const obs = (statuses: Record<string, ObservedStatus['phase']>): Observations => ({
  statuses: new Map(Object.entries(statuses).map(([c, phase]) => [c, { phase, observedGeneration: 1, heartbeatAt: new Date(T0).toISOString(), ...(phase === 'Applied' ? { appliedBundle: NEW } : { lastError: 'Deployment/app/web: 0 of 1 replicas available' }) }])),
});
const texts = (r: Rollout, now: number): string[] => ringLines(r, now).map((l) => l.text.replace(/ +/g, ' '));

describe('ringLines', () => {
  it('shows each ring moving through its phases, the soak clock and the approval it awaits', () => {
    let r = started();
    expect(texts(r, T0)).toEqual(['ring-0 Progressing 0/2 applied wave 1/1', 'ring-1 Pending 0/1 applied waits for ring-0', 'ring-2 Pending 0/4 applied waits for ring-1']);
    r = stepRollout(r, obs({ c0: 'Applied', c1: 'Applied' }), T0 + S).state;
    expect(texts(r, T0 + 5 * S)[0]).toBe('ring-0 Soaking 2/2 applied soaking 4s/10s');
    r = stepRollout(r, obs({ c0: 'Applied', c1: 'Applied' }), T0 + 11 * S).state;
    expect(texts(r, T0 + 11 * S).slice(0, 2)).toEqual(['ring-0 Succeeded 2/2 applied soak done', 'ring-1 Progressing 0/1 applied wave 1/1']);
    r = stepRollout(r, obs({ c0: 'Applied', c1: 'Applied', c2: 'Applied' }), T0 + 12 * S).state;
    r = stepRollout(r, obs({ c0: 'Applied', c1: 'Applied', c2: 'Applied' }), T0 + 22 * S).state;
    expect(texts(r, T0 + 22 * S)[2]).toBe('ring-2 AwaitingApproval 0/4 applied awaits approval');
    r = applyRolloutCommand(r, { kind: 'approve', ring: 'ring-2', actor: 'demo', reason: 'test' }, T0 + 23 * S).state;
    r = stepRollout(r, obs({ c0: 'Applied', c1: 'Applied', c2: 'Applied' }), T0 + 23 * S).state;
    expect(texts(r, T0 + 23 * S)[2]).toBe('ring-2 Progressing 0/4 applied wave 1/2');
  });

  it('names the failed clusters of a failed ring, and keys every line by its phase', () => {
    const moved = started();
    // What the controller records once it has moved the pointers: a Degraded status counts only for a known generation.
    const withGenerations = { ...moved, clusters: Object.fromEntries(Object.entries(moved.clusters).map(([c, s]) => [c, s.state === 'moved' ? { ...s, generation: 1 } : s])) };
    const r = stepRollout(withGenerations, obs({ c0: 'Applied', c1: 'Degraded' }), T0 + S).state;
    const [line] = ringLines(r, T0 + S);
    expect(line?.key).toBe('Failed');
    expect(line?.text.replace(/ +/g, ' ')).toMatch(/^ring-0 Failed 1\/2 applied, 1 failed .*c1/);
  });

  it("shows a ring's metric checks with their latest worst value against the threshold", () => {
    const check = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 5 * S, aggregate: 'cluster' as const, noData: 'wait' as const };
    const plain = started();
    const rings = plain.plan.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate'] } : r));
    const gated: Rollout = { ...plain, plan: { ...plain.plan, checks: [check], rings } };
    const metrics = (c0: number, c1: number): NonNullable<Observations['metrics']> => new Map([['error-rate', new Map([['c0', { value: c0 }], ['c1', { value: c1 }]])]]);
    expect(texts(gated, T0)[0]).toBe('ring-0 Progressing 0/2 applied wave 1/1 check error-rate not evaluated yet (max 0.02)');
    let r = stepRollout(gated, { ...obs({ c0: 'Applied', c1: 'Applied' }), metrics: metrics(0.01, 0.004) }, T0 + S).state;
    expect(texts(r, T0 + S)[0]).toBe('ring-0 Soaking 2/2 applied soaking 0s/10s check error-rate 0.01 (c0) within max 0.02');
    r = stepRollout(r, { ...obs({ c0: 'Applied', c1: 'Applied' }), metrics: metrics(0.01, 0.031) }, T0 + 2 * S).state;
    r = stepRollout(r, { ...obs({ c0: 'Applied', c1: 'Applied' }), metrics: metrics(0.01, 0.04) }, T0 + 5 * S).state;
    expect(texts(r, T0 + 5 * S)[0]).toBe('ring-0 Soaking 2/2 applied soaking 4s/10s check error-rate 0.04 (c1) > max 0.02 breaching 3s of 5s');
    expect(texts(r, T0 + 5 * S)[1]).toBe('ring-1 Pending 0/1 applied waits for ring-0');
  });
});
  it('shows the effective soak: a ring with checks soaks at least its checks\' longest `for`', () => {
    const check = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 5 * S, aggregate: 'cluster' as const, noData: 'wait' as const };
    const plain = started();
    const rings = plain.plan.rings.map((r, i) => (i === 0 ? { ...r, soakMs: 2 * S, checks: ['error-rate'] } : r));
    const gated: Rollout = { ...plain, plan: { ...plain.plan, checks: [check], rings } };
    const healthy: NonNullable<Observations['metrics']> = new Map([['error-rate', new Map([['c0', { value: 0.01 }], ['c1', { value: 0.01 }]])]]);
    const r = stepRollout(gated, { ...obs({ c0: 'Applied', c1: 'Applied' }), metrics: healthy }, T0 + S).state;
    expect(texts(r, T0 + 4 * S)[0]).toMatch(/^ring-0 Soaking 2\/2 applied soaking 3s\/5s check error-rate/);
  });


describe('createStatusPrinter', () => {
  const lines = (...t: [string, string][]) => t.map(([text, key]) => ({ text, key }));

  it('off a terminal prints a line when its key changes, and a changed text at most every 2 s', () => {
    let now = 0;
    const out: string[] = [];
    const p = createStatusPrinter({ write: (t) => out.push(t), tty: false, now: () => now });
    p.status(lines(['a Soaking 1s', 'Soaking'], ['b Pending', 'Pending']));
    now = 500;
    p.status(lines(['a Soaking 2s', 'Soaking'], ['b Pending', 'Pending']));
    p.status(lines(['a Succeeded', 'Succeeded'], ['b Pending', 'Pending']));
    now = 2_600;
    p.status(lines(['a Succeeded', 'Succeeded'], ['b Progressing 1/2', 'Progressing']));
    expect(out.join('')).toBe('a Soaking 1s\nb Pending\na Succeeded\nb Progressing 1/2\n');
  });

  it('on a terminal redraws the block in place, and a log line leaves it on screen', () => {
    const out: string[] = [];
    const p = createStatusPrinter({ write: (t) => out.push(t), tty: true, now: () => 0 });
    p.status(lines(['a 1', 'x'], ['b 1', 'x']));
    p.status(lines(['a 2', 'x'], ['b 2', 'x']));
    p.log('approve b?');
    p.status(lines(['a 3', 'x'], ['b 3', 'x']));
    expect(out).toEqual(['\r\x1b[Ja 1\nb 1', '\x1b[1A\r\x1b[Ja 2\nb 2', '\n', 'approve b?\n', '\r\x1b[Ja 3\nb 3']);
  });
});
