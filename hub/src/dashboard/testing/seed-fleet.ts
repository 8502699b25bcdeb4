import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import type { Digest, ObjectStore, Phase, Rollout } from '@driftless/core';
import { FakeMetricSource, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { createAuditLog, type AuditLog } from '../../audit/audit-log.js';
import { createHub } from '../../hub.js';
import { coreRolloutMachine } from '../../rollout/core-machine.js';
import { createRolloutController, type RolloutController } from '../../rollout/rollout-controller.js';
import { readCurrentRolloutDocument } from '../../rollout/rollout-store.js';
import { generateSigningKeyPair } from '../../signing-keys.js';
import { clusterYaml, flagFleetYaml, killSwitchYaml, WEB_MANIFEST } from '../../testing/flag-fleet.js';
import { digestOf, putStatus } from '../../testing/rollout-fixture.js';
import { pointerOf } from '../../testing/store-reads.js';
import { unitHubDeps } from '../../testing/unit-hub.js';

/**
 * Where the seeded rollout stands:
 * - `awaiting-approval`: ring canary succeeded (its check passed), ring rest waits for an approval;
 * - `halted-by-check`: the check breached in ring canary after a few evaluations, the rollout is Halted;
 * - `progressing`: ring canary is open, its clusters not yet reported.
 */
export type SeedScenario = 'awaiting-approval' | 'halted-by-check' | 'progressing';

/** What seedFleet is asked for. */
export interface SeedOptions {
  readonly store: ObjectStore;
  /** Clusters in the fleet (at least 4); default 12. The first quarter (at least 2) is ring canary. */
  readonly clusters?: number;
  readonly scenario?: SeedScenario;
}

/** A seeded store and what wrote it: the same controller, clock, key and metric source the dashboard should be given. */
export interface SeededFleet {
  readonly store: ObjectStore;
  readonly clock: VirtualClock;
  readonly signingKey: KeyObject;
  readonly metrics: FakeMetricSource;
  readonly controller: RolloutController;
  readonly audit: AuditLog;
  /** Every cluster, sorted. */
  readonly clusters: readonly string[];
  /** Ring canary's clusters. */
  readonly canary: readonly string[];
  /** The phase each cluster's agent reported (absent: it never reported, shown Unknown). */
  readonly phases: Readonly<Record<string, Phase>>;
  /** The current rollout as seeded. */
  readonly rollout: Rollout;
  readonly revision: string;
}

/** The check gating ring canary: the worst cluster's error rate must stay at or below 0.02. */
export const ERROR_RATE_MAX = 0.02;
const ERROR_RATE_QUERY = 'errors{cluster="${cluster.name}"}';

const DELIVERY = `  delivery:
    rings:
      - name: canary
        selector: { matchLabels: { ring: canary } }
        checks: [error-rate]
      - name: rest
        selector: {}
        approval: required
    checks:
      - name: error-rate
        prometheus: '${ERROR_RATE_QUERY}'
        max: ${ERROR_RATE_MAX}
        for: 1m
`;

/** Phases given, in turn, to the clusters outside ring canary (undefined: no status, Unknown). */
const OTHER_PHASES: readonly (Phase | undefined)[] = ['Applied', 'Progressing', 'Degraded', undefined, 'Failed', 'Applied', 'Stale'];

/** Cluster `i` of the fleet: `eu-000`, `us-001`, … alternately. */
export const clusterName = (i: number): string => `${i % 2 === 0 ? 'eu' : 'us'}-${String(i).padStart(3, '0')}`;

/**
 * Seeds `store` the way a hub does: compiles a fleet repository (ring canary
 * with an error-rate check, ring rest with approval required, a kill-switch
 * flag) into bundles, pointers, a revision record with rings and labels and
 * a rollout, with core's rollout machine over a fake metric source; the
 * canary agents report Applied, the others a mix of phases; then steps the
 * rollout to `scenario` (advancing the virtual clock).
 */
export async function seedFleet(opts: SeedOptions): Promise<SeededFleet> {
  const { store } = opts;
  const n = Math.max(4, opts.clusters ?? 12);
  const clusters = Array.from({ length: n }, (_, i) => clusterName(i)).sort();
  const canary = clusters.slice(0, Math.max(2, Math.floor(n / 4)));
  const repo = new MemoryRepository();
  const files: Record<string, string> = { 'fleet.yaml': flagFleetYaml({ delivery: DELIVERY }), 'apps/web/configmap.yaml': WEB_MANIFEST, 'flags/checkout-kill.yaml': killSwitchYaml('team-web') };
  for (const c of clusters) files[`clusters/${c}.yaml`] = clusterYaml(c, { region: c.slice(0, 2), tier: canary.includes(c) ? 'canary' : 'prod', ...(canary.includes(c) ? { ring: 'canary' } : {}) });
  repo.commit(files, 'fleet');
  const clock = new VirtualClock(Date.parse('2026-03-01T10:00:00.000Z'));
  const signingKey = createPrivateKey(generateSigningKeyPair().privateKeyPem);
  let value = 0.004;
  const metrics = new FakeMetricSource({ answer: () => ({ resultType: 'vector', series: [{ labels: {}, value }] }) });
  const audit = createAuditLog({ store, clock, signingKey });
  const hub = createHub(unitHubDeps({ source: repo, store, clock, signingKey, metrics, audit }));
  const controller = createRolloutController({ store, clock, machine: coreRolloutMachine, audit, newId: randomUUID, signingKey, metrics });
  const compiled = await hub.compile({ repo: repo.url });
  const phases: Record<string, Phase> = {};
  for (const c of canary) {
    const p = await pointerOf(store, c);
    await putStatus(store, c, 'Applied', p.bundle as Digest, p.generation);
    phases[c] = 'Applied';
  }
  clusters.filter((c) => !canary.includes(c)).forEach((c, i) => {
    const phase = OTHER_PHASES[i % OTHER_PHASES.length];
    if (phase) phases[c] = phase;
  });
  for (const [c, phase] of Object.entries(phases)) {
    if (!canary.includes(c)) await putStatus(store, c, phase, digestOf('0'), 1, phase === 'Degraded' || phase === 'Failed' ? `Deployment/shop/web apply failed: ${phase.toLowerCase()} in test` : undefined);
  }
  const scenario = opts.scenario ?? 'awaiting-approval';
  const values = scenario === 'halted-by-check' ? [0.006, 0.011, 0.035, 0.041, 0.052] : scenario === 'awaiting-approval' ? [0.004, 0.005, 0.003, 0.004] : [];
  const done = (r: Rollout | undefined) => (scenario === 'halted-by-check' ? r?.phase === 'Halted' : r?.rings[1]?.phase === 'AwaitingApproval');
  for (const v of values) {
    value = v;
    await clock.advance(clock.now() + 30_000);
    await controller.step();
    if (done((await readCurrentRolloutDocument(store))?.doc)) break;
  }
  const rollout = (await readCurrentRolloutDocument(store))?.doc;
  if (!rollout) throw new Error('dashboard fixture seed failed: no rollout');
  if (scenario !== 'progressing' && !done(rollout)) throw new Error(`dashboard fixture seed failed: rollout is ${rollout.phase} with rings ${rollout.rings.map((r) => r.phase).join(', ')}, not ${scenario}`);
  return { store, clock, signingKey, metrics, controller, audit, clusters, canary, phases, rollout, revision: compiled.revision };
}
