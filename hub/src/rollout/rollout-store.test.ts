import { rolloutId, startRollout, storeLayout, type CheckPlan } from '@driftless/core';
import { MemoryObjectStore } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { planOf, releaseOf } from '../testing/rollout-fixture.js';
import { casRollout, createRolloutDocument, readRollout } from './rollout-store.js';

const NEW = `sha256:${'1'.padStart(64, '0')}` as const;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const CHECK: CheckPlan = { name: 'err', query: 'x{cluster="${cluster.name}"}', max: 0.02, forMs: 0, aggregate: 'cluster', noData: 'wait' };

async function written(checks: CheckPlan[]) {
  const store = new MemoryObjectStore();
  const base = planOf('ring-0');
  const plan = { ...base, rings: base.rings.map((r) => ({ ...r, checks: checks.map((c) => c.name) })), checks };
  const id = rolloutId('a'.repeat(40), T0);
  const state = startRollout({ ...releaseOf(id, 'a'.repeat(40), plan, { c1: 0 }, NEW) }, { statuses: new Map() }, T0).state;
  const etag = await createRolloutDocument(store, state);
  const raw = async () => {
    const got = await store.get(storeLayout.rollout(id));
    if (got.kind !== 'found') throw new Error(`rollout ${id} not written`);
    return JSON.parse(new TextDecoder().decode(got.body)) as { plan: Record<string, unknown> };
  };
  return { store, id, state, etag: etag ?? '', raw };
}

describe('rollout documents in the store', () => {
  it('leave plan.checks out when the plan has none, so a hub from before metric checks reads them; read back as []', async () => {
    const { store, id, state, etag, raw } = await written([]);
    expect(Object.keys((await raw()).plan)).not.toContain('checks');
    expect(await casRollout(store, { ...state, version: 2 }, etag)).toBeDefined();
    expect(Object.keys((await raw()).plan)).not.toContain('checks');
    expect((await readRollout(store, id))?.doc.plan.checks).toEqual([]);
  });

  it('keep plan.checks when the plan has some', async () => {
    const { raw } = await written([CHECK]);
    expect((await raw()).plan['checks']).toEqual([CHECK]);
  });
});
