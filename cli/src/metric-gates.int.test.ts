import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLayout, type ObjectStore } from '@driftless/core';
import { createAuditLog } from '@driftless/hub';
import { systemClock } from '@driftless/clock';
import { closedPort, uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, generateFleet, s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { runCli as run, useCliS3 } from './testing/cli-run.js';

const env = inject('driftlessEnv');
const cleanups = useCliS3(env.s3);

const DELIVERY = {
  mode: 'continuous-delivery',
  rings: [
    { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
    { name: 'everyone', selector: {} },
  ],
};
const ERROR_RATE = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 5000, aggregate: 'cluster', noData: 'wait' };

/** What the test reads of a stepped rollout document. */
interface SteppedRollout {
  clusters: Record<string, { ring: number; state: string }>;
  rings: { gates: { gate: string; state: string }[]; checks?: { check: string; subjects: Record<string, { error?: string; waitingSince?: string }> }[] }[];
}

/** The current rollout document, raw, with its key and ETag. */
async function current(store: ObjectStore): Promise<{ key: string; doc: { plan: { checks: unknown[]; rings: { checks: string[] }[] }; version: number }; etag: string }> {
  const cur = await store.get(storeLayout.currentRollout);
  if (cur.kind !== 'found') throw new Error('no current rollout');
  const { id } = JSON.parse(new TextDecoder().decode(cur.body)) as { id: string };
  const key = storeLayout.rollout(id);
  const got = await store.get(key);
  if (got.kind !== 'found') throw new Error(`no rollout ${id}`);
  return { key, doc: JSON.parse(new TextDecoder().decode(got.body)) as never, etag: got.etag };
}

/**
 * A fleet compiled with delivery into an empty MinIO prefix, whose rollout then
 * has ring-0 gated by an error-rate check (written into the document: what a
 * fleet.yaml `delivery.checks` compiles to).
 */
async function rolloutWithChecks() {
  const name = uniqueName('cli-metrics');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, generateFleet({ clusters: 4, apps: 1, kustomizeApps: 0, delivery: DELIVERY }), 'first');
  const dir = await mkdtemp(join(tmpdir(), 'driftless-metrics-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const prefix = uniqueName('cli-metrics');
  const store = s3StoreFor(env, prefix);
  cleanups.push(() => store.destroy());
  const url = `s3://${env.s3.bucket}/${prefix}`;
  const compiled = await run(['hub', 'compile', '--repo', `${env.git.baseUrl}${name}.git`, '--store', url, '--cache-dir', join(dir, 'cache')]);
  expect(compiled.code, compiled.err).toBe(0);
  const { key, doc } = await current(store);
  const rings = doc.plan.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate'] } : r));
  await store.put(key, new TextEncoder().encode(JSON.stringify({ ...doc, plan: { ...doc.plan, checks: [ERROR_RATE], rings } })), { contentType: 'application/json' });
  const recorded = async () => ({ etag: (await current(store)).etag, audit: (await createAuditLog({ store, clock: systemClock }).read()).length });
  return { store, url, recorded };
}

describe('driftless rollout with metric checks on MinIO', () => {
  it('refuses step, approve and resume of a rollout whose rings list checks without --prometheus (exit 2, nothing written); halts without one', async () => {
    const { url, recorded } = await rolloutWithChecks();
    const before = await recorded();
    const stepped = await run(['rollout', 'step', '--store', url]);
    expect(stepped.code).toBe(2);
    expect(stepped.err).toContain('step failed: ring ring-0 lists checks error-rate; pass --prometheus URL (or set DRIFTLESS_PROMETHEUS_URL)');
    expect((await run(['rollout', 'approve', '--store', url, '--ring', 'everyone', '--reason', 'ok'])).code).toBe(2);
    expect(await recorded()).toEqual(before);
    expect(await run(['rollout', 'halt', '--store', url, '--reason', 'incident'])).toMatchObject({ code: 0 });
    const resumed = await run(['rollout', 'resume', '--store', url, '--reason', 'fixed']);
    expect([resumed.code, resumed.err]).toEqual([2, expect.stringContaining('resume failed: ring ring-0 lists checks error-rate')]);
  });

  it('steps with --prometheus at a closed port: each moved cluster reads as an error, the gate waits, status says why', async () => {
    const { store, url } = await rolloutWithChecks();
    const prometheus = `http://127.0.0.1:${await closedPort()}`;
    const stepped = await run(['rollout', 'step', '--store', url, '--prometheus', prometheus]);
    expect(stepped.code, stepped.err).toBe(0);
    const { doc } = (await current(store)) as unknown as { doc: SteppedRollout };
    const ring0 = doc.rings[0];
    const judged = Object.entries(doc.clusters).filter(([, c]) => c.ring === 0 && (c.state === 'moved' || c.state === 'applied'));
    expect(judged.length).toBeGreaterThan(0);
    const check = ring0?.checks?.find((c) => c.check === 'error-rate');
    for (const [cluster] of judged) {
      const subject = check?.subjects[cluster];
      expect(subject?.error, cluster).toMatch(new RegExp(`^prometheus at ${prometheus.replace(/\./g, '\\.')} unreachable: ECONNREFUSED`));
      expect(subject?.waitingSince, cluster).toBeDefined();
    }
    expect(ring0?.gates.find((g) => g.gate === 'check:error-rate')?.state).toBe('pending');
    const status = await run(['rollout', 'status', '--store', url]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(new RegExp(`check error-rate  no value \\([^)]+\\)( for \\S+)?: prometheus at ${prometheus.replace(/\./g, '\\.')} unreachable: ECONNREFUSED.*\\(fails after 10m\\)`));
  });
});
