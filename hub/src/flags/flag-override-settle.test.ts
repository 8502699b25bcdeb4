import { storeLayout } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock, type StoreOperation } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { auditRecorder } from '../testing/test-rollout-machine.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { flagFleetYaml, killSwitchYaml } from '../testing/flag-fleet.js';
import { setFlagOverride } from './flag-override.js';

// Review 14b #2: a flag set that fails must not keep writing pointers after it reported the failure.

const FLEET = flagFleetYaml();
const flag = killSwitchYaml('team-shop');
const CLUSTERS = ['c-1', 'c-2', 'c-3', 'c-4'];
const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('flag set failing on one cluster (review 14b #2)', () => {
  it('rejects only after every other pointer write has settled', async () => {
    const clock = new VirtualClock(NOW);
    const pointerKeys = new Set(CLUSTERS.map((c) => storeLayout.pointer(c)));
    const hook: { fault?: (op: StoreOperation, key: string) => 'refused' | undefined; latency?: (op: StoreOperation, key: string) => Promise<void> } = {};
    const store = new MemoryObjectStore({ clock, fault: (op, key) => hook.fault?.(op, key), latency: (op, key) => hook.latency?.(op, key) ?? Promise.resolve() });
    const repo = new MemoryRepository();
    repo.commit(
      {
        'fleet.yaml': FLEET,
        'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { v: "1" }\n',
        'flags/a.yaml': flag,
        ...Object.fromEntries(CLUSTERS.map((c) => [`clusters/${c}.yaml`, `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${c} }\n`])),
      },
      'first',
    );
    const audit = auditRecorder();
    await createHub(unitHubDeps({ source: repo, store, clock, audit })).compile({ repo: repo.url });

    // The first pointer write is refused at once; the others take 100 ms each.
    let first: string | undefined;
    hook.fault = (op, key) => (op === 'put' && key === first ? 'refused' : undefined);
    let operations = 0;
    // Counted when the operation goes ahead (after its latency).
    hook.latency = async (op, key) => {
      if (op === 'put' && pointerKeys.has(key) && (first ??= key) !== key) await clock.sleep(100);
      operations += 1;
    };
    let failed: { error: unknown; operations: number } | undefined;
    const done = setFlagOverride({ store, clock, audit, newId: () => 'id', log: quietLog }, { flag: 'a', variant: 'off', actor: 'oncall', reason: 'incident' }).then(
      () => undefined,
      (error: unknown) => (failed = { error, operations }),
    );
    await clock.advance(Number.MAX_SAFE_INTEGER, () => failed !== undefined);
    await clock.advance(Number.MAX_SAFE_INTEGER);
    await done;
    expect(failed?.error).toMatchObject({ code: 'StoreRefused' });
    expect(operations, 'no store operation after flag set reported its failure').toBe(failed?.operations);
  });
});
