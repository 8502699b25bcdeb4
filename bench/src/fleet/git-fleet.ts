import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { reconcile, type MemberCache, type Normalized } from '@driftless/agent';
import { jitteredIntervalMs, seededRng, type Clock, type KubeObject } from '@driftless/core';
import { compileFleet, syncGitSource, type KustomizeRunner } from '@driftless/hub';
import { MemoryKubeTarget } from '@driftless/fakes';
import { clusterSeed, type SimulatedFleet } from './bundle-fleet.js';
import type { ClusterEvents } from './observed-store.js';

export interface GitFleetOptions {
  readonly names: readonly string[];
  /** The fleet-wide index of `names[0]`: seeds follow the index. */
  readonly firstIndex?: number;
  readonly clock: Clock;
  readonly seed: number;
  /** The fleet repository's URL on the git server. */
  readonly repo: string;
  /** Each cluster keeps its clone in `<workDir>/<cluster>`. */
  readonly workDir: string;
  readonly kustomize: KustomizeRunner;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly recorder: Pick<ClusterEvents, 'applied'>;
  /** Called when a cluster's fetch or render fails (it tries again next interval). */
  readonly onError?: (cluster: string, message: string) => void;
}

/** What a git-mode cluster did in one interval. */
export interface GitPollCounts {
  polls: number;
  failures: number;
}

/**
 * Git mode, the baseline: every simulated cluster does what per-cluster Flux
 * or Argo CD polling does. Each interval it fetches the fleet repository itself
 * with isomorphic-git (a shallow clone the first time, then an incremental
 * fetch, one attempt: a failure waits for the next interval), renders its own
 * desired state when the commit changed (fleet.yaml, its cluster file, its
 * apps: the hub's compiler restricted to one cluster), and reconciles it into
 * its in-memory Kubernetes API with the agent's reconcile, drift correction
 * included. Applying a new desired state is reported to the recorder.
 */
export function startGitFleet(opts: GitFleetOptions): SimulatedFleet & { readonly counts: GitPollCounts } {
  const stop = new AbortController();
  // Every cluster's sleep listens to this one signal.
  setMaxListeners(0, stop.signal);
  const counts: GitPollCounts = { polls: 0, failures: 0 };
  const parent = { name: 'driftless-applyset', namespace: 'driftless-system' };
  const runs = opts.names.map(async (cluster, i) => {
    const rng = seededRng(clusterSeed(opts.seed, (opts.firstIndex ?? 0) + i));
    const kube = new MemoryKubeTarget({ controllers: 'instant' });
    const normalized = new Map<string, Normalized>();
    const members: MemberCache = new WeakMap();
    let commit: string | undefined;
    let desired: { digest: string; objects: readonly KubeObject[] } | undefined;
    let reported: string | undefined;
    await opts.clock.sleep(Math.floor(rng.next() * opts.intervalMs), stop.signal);
    while (!stop.signal.aborted) {
      counts.polls += 1;
      try {
        const snapshot = await syncGitSource({ repo: opts.repo, cacheDir: join(opts.workDir, cluster), attempts: 1 });
        if (snapshot.reader.commit !== commit) {
          const compiled = await compileFleet(snapshot.reader, { kustomize: opts.kustomize, onlyCluster: cluster });
          const bundle = compiled.bundles.get(cluster);
          if (!bundle) throw new Error(`cluster ${cluster} is not in the fleet at ${snapshot.reader.commit.slice(0, 12)}`);
          desired = { digest: bundle.digest, objects: bundle.bundle.objects };
          commit = snapshot.reader.commit;
        }
        if (desired) {
          const outcome = await reconcile(desired.objects, { kube, clock: opts.clock, parent, normalized, members });
          if (outcome.failed.length === 0 && desired.digest !== reported) {
            reported = desired.digest;
            opts.recorder.applied(cluster, desired.digest, opts.clock.now());
          }
        }
      } catch (err) {
        counts.failures += 1;
        opts.onError?.(cluster, (err as Error).message);
      }
      await opts.clock.sleep(jitteredIntervalMs(opts.intervalMs, opts.jitter, rng), stop.signal);
    }
  });
  return {
    counts,
    async stop() {
      stop.abort();
      await Promise.all(runs);
    },
  };
}
