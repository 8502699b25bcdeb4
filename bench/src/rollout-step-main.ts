import { API_VERSION, storeLayout, type DeliveryPlan, type Digest, type ReleaseCluster, type RingPlan } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { coreRolloutMachine, createRolloutController } from '@driftless/hub';

/**
 * The rollout controller's own cost per step at N clusters (default 10,000),
 * apart from any agent: an in-memory store without latency, the real
 * controller and state machine, 3 rings (10% / 10% / the rest in waves of
 * 25%), every moved cluster reporting Applied before each step. Prints the
 * wall time of each moving step and of the idle step after it.
 * Run: `node bench/dist/rollout-step-main.js [N]`.
 */
const n = Number(process.argv[2] ?? 10_000);
const clock = new VirtualClock(Date.UTC(2026, 0, 1));
const store = new MemoryObjectStore();
const id = '20260101T000000Z-aaaaaaaaaaaa';
const digest = (k: number): Digest => `sha256:${k.toString(16).padStart(64, '0')}`;
const ring = (name: string, wavePercent: number): RingPlan => ({
  name, soakMs: 0, maxConcurrent: { kind: 'percent', value: wavePercent }, maxFailures: { kind: 'count', value: 0 }, progressDeadlineMs: 3_600_000, approval: false, checks: [],
});
const plan: DeliveryPlan = { mode: 'continuous-deployment', onFailure: 'halt', rings: [ring('ring-0', 100), ring('ring-1', 100), ring('ring-2', 25)], checks: [] };
const clusters = new Map<string, ReleaseCluster>();
for (let i = 0; i < n; i++) clusters.set(`c-${String(i).padStart(5, '0')}`, { ring: i % 10 === 0 ? 0 : i % 10 === 1 ? 1 : 2, to: digest(2), from: digest(1), statefulChanged: false });
let ids = 0;
const controller = createRolloutController({ store, clock, machine: coreRolloutMachine, audit: { append: () => Promise.resolve() }, newId: () => `id-${++ids}` });

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = process.hrtime.bigint();
  const out = await f();
  return [out, Number(process.hrtime.bigint() - t0) / 1e6];
};
const status = (cluster: string, applied: string, generation: number): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({
    apiVersion: API_VERSION, kind: 'Status', cluster, observedGeneration: generation, appliedBundle: applied, phase: 'Applied',
    objects: { total: 1, ready: 1, drifted: 0, pruned: 0 }, agentVersion: 'bench', heartbeatAt: new Date(clock.now()).toISOString(),
  }));

const [, startMs] = await timed(() => controller.start({ id, revision: 'a'.repeat(40), plan, clusters }));
process.stdout.write(`${n} clusters: start (ring-0's pointers moved) ${startMs.toFixed(0)} ms\n`);
for (let round = 0; round < 6; round++) {
  const doc = (await controller.status())?.rollout;
  const moved = Object.entries(doc?.clusters ?? {}).filter(([, c]) => c.state === 'moved');
  await Promise.all(moved.map(([c, r]) => store.put(storeLayout.status(c), status(c, r.to, r.generation ?? 1))));
  await clock.advance(1_000);
  const [report, moving] = await timed(() => controller.step());
  await clock.advance(1_000);
  const [, idle] = await timed(() => controller.step());
  process.stdout.write(`step ${round + 1}: ${moving.toFixed(0)} ms moving ${report.moved} pointers (${report.phase}); idle step after it ${idle.toFixed(0)} ms\n`);
}
