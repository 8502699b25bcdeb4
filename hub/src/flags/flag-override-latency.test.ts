import { generateKeyPairSync } from 'node:crypto';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { clusterYaml, flagFleetYaml, killSwitchYaml } from '../testing/flag-fleet.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { setFlagOverride } from './flag-override.js';

const CLUSTERS = 96;
const LATENCY_MS = 10;
function files(): Record<string, string> {
  const out: Record<string, string> = {
    'fleet.yaml': flagFleetYaml(),
    // Every cluster's bundle differs (its name in the ConfigMap), as in a real fleet: flag set must read each one.
    'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { cluster: "${cluster.name}" }\n',
    'flags/kill.yaml': killSwitchYaml('team-shop'),
  };
  for (let i = 0; i < CLUSTERS; i++) out[`clusters/c-${i}.yaml`] = clusterYaml(`c-${i}`, { n: `${i}` });
  return out;
}

async function settled<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  await clock.advance(Number.MAX_SAFE_INTEGER, () => done);
  return await watched;
}

describe('flag set over a store with latency (virtual clock)', () => {
  it('reads the selected clusters\' bundles concurrently: less than one store round trip per cluster in series', async () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    let requests = 0;
    const store = new MemoryObjectStore({ latency: () => ((requests += 1), clock.sleep(LATENCY_MS)), clock });
    const repo = new MemoryRepository();
    repo.commit(files());
    const { privateKey: signingKey } = generateKeyPairSync('ed25519');
    const hub = createHub(unitHubDeps({ source: repo, store, clock, signingKey, log: quietLog }));
    await settled(clock, hub.compile({ repo: repo.url }));

    const audit = createAuditLog({ store, clock });
    const deps = { store, clock, audit, signingKey, newId: () => 'id', log: quietLog };
    const setAt = clock.now();
    requests = 0;
    const r = await settled(clock, setFlagOverride(deps, { flag: 'kill', variant: 'off', actor: 'oncall', reason: 'incident' }));
    expect(r.pointers).toHaveLength(CLUSTERS);
    // Each pointer is read once and moved as soon as its bundle is written: pointer read, bundle read,
    // bundle put, pointer write; plus a constant (marker, record, overrides, audit, rollout, marker invalidation).
    expect(requests).toBeLessThanOrEqual(4 * CLUSTERS + 16);
    // The kill switch is waited on: reading 96 bundles one after another alone would take 96 round trips.
    expect(clock.now() - setAt).toBeLessThan(CLUSTERS * LATENCY_MS);
  });
});

describe('flag set rewriting a rollout of many clusters', () => {
  it('reads and writes the rollout\'s bundles at most 32 at a time, not all at once', async () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    let inFlight = 0;
    let most = 0;
    const latency = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await clock.sleep(LATENCY_MS);
      inFlight -= 1;
    };
    const store = new MemoryObjectStore({ latency, clock });
    const repo = new MemoryRepository();
    const delivery = '  delivery:\n    mode: continuous-deployment\n    rings:\n      - name: everyone\n        selector: {}\n        maxConcurrent: 1\n';
    repo.commit({ ...files(), 'fleet.yaml': flagFleetYaml({ delivery }) });
    const { privateKey: signingKey } = generateKeyPairSync('ed25519');
    const hub = createHub(unitHubDeps({ source: repo, store, clock, signingKey, log: quietLog }));
    await settled(clock, hub.compile({ repo: repo.url }));
    most = 0;

    const audit = createAuditLog({ store, clock });
    const deps = { store, clock, audit, signingKey, newId: () => 'id', log: quietLog };
    await settled(clock, setFlagOverride(deps, { flag: 'kill', variant: 'off', actor: 'oncall', reason: 'incident' }));
    // 96 pending clusters: their `to` and `from` bundles are rewritten, which must not open 192 requests at once.
    expect(most).toBeLessThanOrEqual(33);
  });
});
