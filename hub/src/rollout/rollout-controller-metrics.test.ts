import type { CheckPlan, MetricSource, Observations, ObjectStore } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, planOf, putStatus, releaseOf, revisionOf } from '../testing/rollout-fixture.js';
import { pointedDigests } from '../testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from '../testing/test-rollout-machine.js';
import { createRolloutController, type RolloutMachine } from './rollout-controller.js';
import { casRollout, readCurrentRolloutDocument } from './rollout-store.js';

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
  const logged: Record<string, unknown>[] = [];
  const log = (event: Record<string, unknown>) => void logged.push(event);
  const controller = (metrics?: MetricSource) => createRolloutController({ store, clock, machine, audit, newId: randomUUID, log, ...(metrics ? { metrics } : {}) });
  return { store, audit, seen, controller, clock, logged };
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

  it('steps on when the source hangs past the step\'s metric budget: the check is skipped, health is still judged, the operator is told', async () => {
    const { store, seen, controller, clock, logged } = setup();
    const hanging: MetricSource = { description: 'test prometheus', query: (_q, options) => new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })) };
    const stepping = controller(hanging).start(release);
    await clock.advance(T0 + 20_000);
    expect(await stepping).toMatchObject({ metricReads: { asked: 2, answered: 0, skipped: 2, failed: 0 } });
    expect(seen.at(-1)?.metrics?.get('error-rate')?.get('a0')).toEqual({ skipped: true });
    expect(logged).toEqual([{ level: 'warn', msg: 'metric reads cut short', asked: 2, answered: 0, skipped: 2, failed: 0, reason: 'test prometheus did not answer within 20s' }]);
    expect(await readCurrentRolloutDocument(store)).toBeDefined();
  });

  it('reads the metrics once per step, not again on each CAS retry after another writer raced it', async () => {
    const { store, controller } = setup();
    await controller(source).start(release);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    let asked = 0;
    let raced = false;
    // Another replica's step lands while this one reads: this step's first CAS loses.
    const racing: MetricSource = {
      description: 'test prometheus',
      async query(promql, options) {
        asked++;
        if (!raced) {
          raced = true;
          const current = await readCurrentRolloutDocument(store);
          if (current) await casRollout(store, { ...current.doc, updatedAt: new Date(T0 + 1).toISOString() }, current.etag);
        }
        return source.query(promql, options);
      },
    };
    const report = await controller(racing).step();
    expect(report.changed).toBe(true);
    expect(asked).toBe(2);
    expect(report.metricReads).toEqual({ asked: 2, answered: 1, skipped: 0, failed: 1 });
  });
});
