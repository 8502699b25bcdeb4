import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { clusterName } from '@driftless/testkit';
import { delayedStore, hubLatencyRng, latency, VIRTUAL_EPOCH } from './latency-model.js';
import type { RolloutFleet, RolloutFleetOptions } from './rollout-fleet.js';
import type { RolloutRig } from './rollout-rig.js';
import { WriteLog, type StoreWrite } from './shard-protocol.js';
import { VirtualFleet } from './virtual-fleet.js';

/**
 * Virtual time with the clusters in `threads` shards (see VirtualFleet): the
 * hub and the rollout controller on this thread, on the coordinator's clock,
 * through the hub's latency stream; the fleet starts with startRolloutFleet,
 * which the run calls before it lets time move.
 */
export function shardedRig(seed: number, threads: number): RolloutRig {
  const clock = new VirtualClock(VIRTUAL_EPOCH);
  const store = new MemoryObjectStore({ clock });
  const hubWrites = new WriteLog();
  const hubStore = delayedStore(hubWrites.capture(store), latency(clock, hubLatencyRng(seed), 4, 6));
  let fleet: VirtualFleet | undefined;
  const running = (): VirtualFleet => {
    if (!fleet) throw new Error('the sharded rig runs once its fleet is started (startRolloutFleet)');
    return fleet;
  };
  return {
    clock,
    store: hubStore,
    // The clusters talk to their shard's replica, never to this thread's store.
    clusterStore: hubStore,
    shards: {
      get threads() {
        return fleet?.threads ?? threads;
      },
      start(opts) {
        const started = shardedRolloutFleet(clock, store, hubWrites, threads, opts);
        fleet = started.fleet;
        return started.rollout;
      },
    },
    async settle(promise) {
      let done = false;
      promise.then(
        () => (done = true),
        () => (done = true),
      );
      await running().runUntil(Number.MAX_SAFE_INTEGER, () => done);
      return await promise;
    },
    runUntil: (untilMs, done) => running().runUntil(untilMs, done),
    stop: async () => await fleet?.close(),
  };
}

/** The rollout bench's fleet on shards: the failing cluster's fault armed by a message, its failing status seen as the coordinator applies it. */
function shardedRolloutFleet(clock: VirtualClock, store: MemoryObjectStore, hubWrites: WriteLog, threads: number, opts: RolloutFleetOptions): { fleet: VirtualFleet; rollout: RolloutFleet } {
  const key = `clusters/${opts.failing}/status.json`;
  let armed = false;
  let failingAt: number | undefined;
  const watch = (at: number, write: StoreWrite): void => {
    if (!armed || failingAt !== undefined || write.key !== key || !('body' in write)) return;
    const phase = (JSON.parse(new TextDecoder().decode(write.body)) as { phase?: string }).phase;
    if (phase === 'Degraded' || phase === 'Failed') failingAt = at;
  };
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const fleet = new VirtualFleet({
    clock,
    store,
    recorder: opts.recorder,
    names,
    seed: opts.seed,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    hubWrites,
    onClusterWrite: watch,
    threads,
  });
  fleet.start();
  const rollout: RolloutFleet = {
    fail() {
      fleet.fail(opts.failing);
      armed = true;
    },
    get failingAt() {
      return failingAt;
    },
    statusWrites: () => fleet.counts().put,
    // The rig's settle runs the windows until every shard has stopped; its stop() ends the threads.
    stop: () => fleet.requestStop(),
  };
  return { fleet, rollout };
}
