import type { CheckPlan, MetricSource, Observations, ObjectStore } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, planOf, putStatus, releaseOf, revisionOf } from '../testing/rollout-fixture.js';
import { pointedDigests } from '../testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from '../testing/test-rollout-machine.js';
import { createRolloutController, type RolloutMachine } from './rollout-controller.js';
import { readCurrentRolloutDocument } from './rollout-store.js';

const T0 = Date.UTC(2026, 0, 1);
const v1 = digestOf('1');
const errorRate: CheckPlan = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 5000, aggregate: 'cluster', noData: 'wait' };
const base = planOf('ring-0', 'ring-1');
const plan = { ...base, checks: [errorRate], rings: base.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate'] } : r)) };
const release = releaseOf('20260101T000000Z-111111111111', revisionOf('1'), plan, { a0: 0, a1: 0, b0: 1 }, v1);
const REQUIRED = 'ring ring-0 lists checks error-rate; pass --prometheus URL (or set DRIFTLESS_PROMETHEUS_URL)';

/** A source whose a1 query fails; every other cluster reads 0.031. */
const source: MetricSource = {
  description: 'test prometheus',
  query: (promql) =>
    promql.includes('"a1"') ? Promise.reject(new Error('test prometheus query failed: connection refused')) : Promise.resolve({ resultType: 'vector', series: [{ labels: {}, value: 0.031 }] }),
};

function setup() {
  const store: ObjectStore = new MemoryObjectStore();
  const clock = new VirtualClock(T0);
  const audit = auditRecorder();
  const seen: Observations[] = [];
  // The test machine, recording what each step observed.
  const machine: RolloutMachine = { ...testRolloutMachine, step: (s, obs, now) => (seen.push(obs), testRolloutMachine.step(s, obs, now)) };
  const controller = (metrics?: MetricSource) => createRolloutController({ store, clock, machine, audit, newId: randomUUID, ...(metrics ? { metrics } : {}) });
  return { store, audit, seen, controller, clock };
}

describe('createRolloutController with metric checks', () => {
  it('reads every judged cluster of a Progressing ring through the source before a step, an error as that subject\'s error', async () => {
    const { seen, controller } = setup();
    await controller(source).start(release);
    expect(seen.at(-1)?.metrics).toEqual(
      new Map([
        [
          'error-rate',
          new Map([
            ['a0', { value: 0.031 }],
            ['a1', { error: 'test prometheus query failed: connection refused' }],
          ]),
        ],
      ]),
    );
  });

  it('refuses start, step, approve and resume without a source before anything is written (MetricSourceRequired)', async () => {
    const { store, audit, controller } = setup();
    await expect(controller().start(release)).rejects.toMatchObject({ code: 'MetricSourceRequired', message: `rollout ${release.id} start failed: ${REQUIRED}; nothing was written` });
    expect(await readCurrentRolloutDocument(store)).toBeUndefined();
    await controller(source).start(release);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    const before = { doc: await readCurrentRolloutDocument(store), audit: audit.drafts.length };
    await expect(controller().step()).rejects.toMatchObject({ code: 'MetricSourceRequired', message: `rollout ${release.id} step failed: ${REQUIRED}; nothing was written` });
    await expect(controller().command({ kind: 'approve', ring: 'ring-1', actor: 'ann', reason: 'r' })).rejects.toMatchObject({ code: 'MetricSourceRequired' });
    expect({ doc: await readCurrentRolloutDocument(store), audit: audit.drafts.length }).toEqual(before);
    expect(await pointedDigests(store, ['b0'])).toEqual({ b0: 'none' });
  });

  it('halts without a source, and refuses to resume without one', async () => {
    const { store, controller } = setup();
    await controller(source).start(release);
    expect(await controller().command({ kind: 'halt', actor: 'ops', reason: 'incident' })).toMatchObject({ phase: 'Halted' });
    await expect(controller().command({ kind: 'resume', actor: 'ops', reason: 'fixed' })).rejects.toMatchObject({ code: 'MetricSourceRequired' });
    expect((await readCurrentRolloutDocument(store))?.doc.phase).toBe('Halted');
    expect(await controller(source).command({ kind: 'resume', actor: 'ops', reason: 'fixed' })).toMatchObject({ phase: 'Progressing' });
  });

  it('rejects a step whose signal aborts during its metric reads with the abort\'s reason, writing nothing', async () => {
    const { store, audit, controller } = setup();
    await controller(source).start(release);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    const before = { doc: await readCurrentRolloutDocument(store), audit: audit.drafts.length };
    const abort = new AbortController();
    const reason = new Error('lease lost');
    // A source that hangs until aborted, and aborts the step once it is asked.
    const hanging: MetricSource = {
      description: 'test prometheus',
      query: (_q, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(options.signal?.reason as Error), { once: true });
          abort.abort(reason);
        }),
    };
    await expect(controller(hanging).step(abort.signal)).rejects.toBe(reason);
    expect({ doc: await readCurrentRolloutDocument(store), audit: audit.drafts.length }).toEqual(before);
  });

  it('steps on when the source hangs past the step\'s metric budget: the check waits, health is still judged', async () => {
    const { store, seen, controller, clock } = setup();
    const hanging: MetricSource = { description: 'test prometheus', query: (_q, options) => new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })) };
    const stepping = controller(hanging).start(release);
    await clock.advance(T0 + 20_000);
    expect(await stepping).toBeDefined();
    expect(seen.at(-1)?.metrics?.get('error-rate')?.get('a0')).toEqual({ error: 'test prometheus did not answer within 20s (2 of 2 queries unanswered)' });
    expect(await readCurrentRolloutDocument(store)).toBeDefined();
  });
});
