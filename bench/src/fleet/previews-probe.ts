import type { Clock, KubeTarget, ObjectStore } from '@driftless/core';
import type { MemoryKubeTarget } from '@driftless/fakes';
import { afterWrites } from './observed-store.js';

const HOST_KEY = /^clusters\/([^/]+)\/(desired|status)\.json$/;

/** Per host, when each step of the preview's life was first seen, on the run's clock. */
export interface PreviewTimes {
  /** The hub wrote the host's pointer naming a previews bundle (after the push). */
  readonly pointerAt: ReadonlyMap<string, number>;
  /** The host's status reported the preview's app Applied with the pointer's previews bundle. */
  readonly appliedAt: ReadonlyMap<string, number>;
  /** The hub wrote the host's pointer without a previews bundle (after the delete). */
  readonly pointerClearedAt: ReadonlyMap<string, number>;
  /** The preview namespace no longer existed in the host's API (after the delete). */
  readonly goneAt: ReadonlyMap<string, number>;
}

/**
 * Watches the preview's life on the hosts through the store (the hub's
 * pointer writes, the agents' status writes) and each host's in-memory
 * Kubernetes API. Nothing is recorded before {@link armPush} or
 * {@link armDelete}: the first write or request after it that shows the step counts.
 */
export class PreviewProbe implements PreviewTimes {
  readonly pointerAt = new Map<string, number>();
  readonly appliedAt = new Map<string, number>();
  readonly pointerClearedAt = new Map<string, number>();
  readonly goneAt = new Map<string, number>();
  /** The previews bundle each host's pointer names now. */
  private readonly pointerPreviews = new Map<string, string | undefined>();
  private phase: 'idle' | 'push' | 'delete' = 'idle';
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly hosts: readonly string[],
    /** The preview's app as the status names it: `<namespace>/<app>`. */
    private readonly appKey: string,
    private readonly namespace: string,
  ) {}

  armPush(): void {
    this.phase = 'push';
  }

  armDelete(): void {
    this.phase = 'delete';
  }

  /** Every host reached the armed step. */
  done(): boolean {
    const seen = this.phase === 'push' ? this.appliedAt : this.phase === 'delete' ? this.goneAt : undefined;
    return seen !== undefined && this.hosts.every((h) => seen.has(h));
  }

  /** Calls `fn` after every step recorded; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The store as the hub writes it: each host pointer's previews bundle. */
  hubStore(inner: ObjectStore): ObjectStore {
    return afterWrites(inner, (key, body) => {
      const m = HOST_KEY.exec(key);
      if (!m?.[1] || m[2] !== 'desired' || !this.hosts.includes(m[1])) return;
      const previews = (JSON.parse(new TextDecoder().decode(body)) as { previews?: string }).previews;
      this.pointerPreviews.set(m[1], previews);
      if (this.phase === 'push' && previews !== undefined) this.record(this.pointerAt, m[1]);
      if (this.phase === 'delete' && previews === undefined) this.record(this.pointerClearedAt, m[1]);
    });
  }

  /** The store as the agents write it: a host's status reporting the preview Applied with its pointer's previews bundle. */
  clusterStore(inner: ObjectStore): ObjectStore {
    return afterWrites(inner, (key, body) => {
      const m = HOST_KEY.exec(key);
      if (this.phase !== 'push' || !m?.[1] || m[2] !== 'status' || !this.hosts.includes(m[1])) return;
      const status = JSON.parse(new TextDecoder().decode(body)) as { appliedPreviews?: string; apps?: Record<string, { phase?: string }> };
      const pointer = this.pointerPreviews.get(m[1]);
      if (pointer !== undefined && status.appliedPreviews === pointer && status.apps?.[this.appKey]?.phase === 'Applied') this.record(this.appliedAt, m[1]);
    });
  }

  /** A host's Kubernetes API, checked after each request it answers: is the preview namespace gone? */
  wrapKube(cluster: string, kube: MemoryKubeTarget): KubeTarget {
    if (!this.hosts.includes(cluster)) return kube;
    const after = <T>(result: T): T => {
      // objects() is the fake's back door: the check is not a request of the agent's.
      if (this.phase === 'delete' && !kube.objects().some((o) => o.kind === 'Namespace' && o.metadata.name === this.namespace)) this.record(this.goneAt, cluster);
      return result;
    };
    return {
      resourceOf: (apiVersion, kind) => kube.resourceOf(apiVersion, kind).then(after),
      apply: (obj, manager) => kube.apply(obj, manager).then(after),
      get: (ref) => kube.get(ref).then(after),
      list: (apiVersion, kind, selector) => kube.list(apiVersion, kind, selector).then(after),
      delete: (ref) => kube.delete(ref).then(after),
    };
  }

  private record(times: Map<string, number>, host: string): void {
    if (times.has(host)) return;
    times.set(host, this.clock.now());
    for (const fn of this.listeners) fn();
  }
}
