import { describe, expect, it } from 'vitest';
import { HUB_STATE_FORMAT, type HubState, type HubStateStore } from '../state/hub-state.js';

const DIGEST = `sha256:${'a'.repeat(64)}` as const;

/** A small valid state; `id` tells two apart. */
export function sampleHubState(id: string): HubState {
  return {
    format: HUB_STATE_FORMAT,
    id,
    revision: 'f'.repeat(40),
    compile: {
      // c2's stateful key (issue 12), flag namespaces and overrides key, and the flags' last changes
      // (issue 14) must survive a save and load like the rest.
      clusters: {
        c1: { fingerprint: 'fp', digest: DIGEST },
        c2: { fingerprint: 'fp2', digest: DIGEST, statefulKey: 'b'.repeat(64), flagNamespaces: ['shop'], overridesKey: '{"checkout":{"variant":"off"}}' },
      },
      flags: { commit: 'f'.repeat(40), changes: { 'flags/checkout.yaml': 'e'.repeat(40) } },
      clusterFiles: {
        'oid:clusters/c1.yaml': { apiVersion: 'driftless.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'c1', labels: { env: 'prod' } }, spec: { vars: {} } },
      },
    },
    publish: { pointers: { c1: { digest: DIGEST, etag: '"e1"', generation: 1, keyId: 'none' } } },
  };
}

/**
 * The behaviour every HubStateStore must have, run unchanged against the
 * file store and the memory store, so the fake cannot drift from the real
 * one. `make` returns a fresh, empty store.
 */
export function describeHubStateStoreContract(name: string, make: () => Promise<HubStateStore>): void {
  describe(`HubStateStore contract: ${name}`, () => {
    it('loads nothing before anything was saved', async () => {
      expect(await (await make()).load()).toBeUndefined();
    });

    it('loads what was saved last', async () => {
      const states = await make();
      await states.save(sampleHubState('one'));
      expect(await states.load()).toEqual(sampleHubState('one'));
      await states.save(sampleHubState('two'));
      expect(await states.load()).toEqual(sampleHubState('two'));
    });

    it('keeps what was saved when the saved or loaded object changes afterwards', async () => {
      const states = await make();
      const state = structuredClone(sampleHubState('one')) as { id: string; publish: { pointers: Record<string, unknown> } };
      await states.save(state as unknown as HubState);
      state.id = 'changed';
      state.publish.pointers = {};
      const loaded = (await states.load()) as { publish: { pointers: Record<string, unknown> } };
      loaded.publish.pointers = {};
      expect(await states.load()).toEqual(sampleHubState('one'));
    });
  });
}
