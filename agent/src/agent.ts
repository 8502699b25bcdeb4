import type { KeyObject } from 'node:crypto';
import {
  API_VERSION,
  backoffMs,
  canonicalBytes,
  classifyError,
  decodeBundle,
  decodePointer,
  DEFAULT_BUNDLE_LIMITS,
  jitteredIntervalMs,
  PointerVerifier,
  storeLayout,
  type BundleLimits,
  type Clock,
  type Digest,
  type KubeObject,
  type KubeTarget,
  type ObjectStore,
  type Phase,
  type Pointer,
  type Rng,
  type Status,
} from '@driftless/core';
import { APPLYSET, type ApplySetParentRef } from './applyset.js';
import type { LeaderElector } from './leader.js';
import type { AgentMetrics } from './metrics.js';
import { reconcile, type MemberCache, type Normalized, type ReconcileOutcome } from './reconcile.js';

/** How an agent behaves; durations in ms. */
export interface AgentConfig {
  readonly cluster: string;
  readonly intervalMs: number;
  /** 0..1: each pause is the interval times a uniform factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
  /** Ed25519 public key: pointers must be signed with its private key. */
  readonly verifyKey?: KeyObject;
  /** The inventory's parent ConfigMap. Default `driftless-applyset` in `driftless-system`. */
  readonly parent?: ApplySetParentRef;
  /** A status is written at least this often even when nothing changed (heartbeat). Default 5 minutes. */
  readonly heartbeatMs?: number;
  /** How long objects may stay unhealthy after a bundle is applied before the phase is Degraded. Default 10 minutes. */
  readonly progressDeadlineMs?: number;
  /** Backoff after failures: first pause and cap. Defaults 1 s and 5 minutes. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly agentVersion?: string;
  readonly bundleLimits?: BundleLimits;
}

/** Everything from outside, passed in (STYLE.md): the bench runs thousands of these in one process. */
export interface AgentDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly store: ObjectStore;
  readonly kube: KubeTarget;
  readonly config: AgentConfig;
  /** One structured event per line; default none. */
  readonly log?: (event: Record<string, unknown>) => void;
  /** With several agent pods per cluster (a daemonset): only the lease holder reconciles. */
  readonly leader?: LeaderElector;
  readonly metrics?: AgentMetrics;
}

/** What one pass did and where the cluster stands. */
export interface PassResult {
  /** `not-modified` (304), `changed` (a new pointer), `none` (no pointer yet) or `error` (polling failed). */
  readonly poll: 'not-modified' | 'changed' | 'none' | 'error';
  readonly phase: Phase | 'Unknown';
  readonly generation?: number;
  readonly outcome?: ReconcileOutcome;
  readonly error?: string;
  /** Whether a status document was written. */
  readonly statusWritten: boolean;
}

export interface Agent {
  /** One poll -> verify -> apply -> prune -> status pass. Never throws for expected failures. */
  runOnce(): Promise<PassResult>;
  /** With a leader elector: take or renew the lease, then a pass only if we hold it. */
  step(): Promise<PassResult | 'standby'>;
  /** Passes until `signal` aborts, pausing a jittered interval after success and backing off after failures. */
  run(signal: AbortSignal): Promise<void>;
}

const MAX_POINTER_BYTES = 64 * 1024;
/** How often a leader renews its lease: a third of the default 15 s lease, as client-go does. */
const RENEW_EVERY_MS = 5_000;

/**
 * The cluster-side loop. Polls `clusters/<name>/desired.json` with the last
 * ETag (a 304 costs nothing); on a new pointer, fetches the blob by digest,
 * verifies digest (and signature, with a verify key) and validates it; a
 * pointer or blob that fails any check changes nothing in the cluster and is
 * reported as Failed. Every pass, with or without a new pointer, reconciles the
 * last good bundle (drift correction). Status is written after a change and
 * at least every heartbeat period, never more, so an idle fleet stays quiet.
 */
export function createAgent(deps: AgentDeps): Agent {
  const { clock, rng, store, kube, config } = deps;
  const log = deps.log ?? (() => undefined);
  const parent = config.parent ?? { name: 'driftless-applyset', namespace: 'driftless-system' };
  const limits = config.bundleLimits ?? DEFAULT_BUNDLE_LIMITS;
  let verifier: PointerVerifier | undefined;
  /**
   * With a verify key, the verifier starts from the pointer last accepted, as
   * recorded on the inventory's parent in the cluster (not in the store, which
   * whoever replays pointers could also write): a restarted agent still refuses
   * an older pointer.
   */
  const verifierFor = async (key: KeyObject): Promise<PointerVerifier> => {
    if (verifier) return verifier;
    const parentNow = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name });
    const recorded = (parentNow?.metadata['annotations'] as Record<string, string> | undefined)?.[APPLYSET.accepted];
    const m = recorded ? /^(\d+)\/(sha256:[0-9a-f]{64})$/.exec(recorded) : null;
    verifier = new PointerVerifier(key, m?.[1] && m[2] ? [[config.cluster, Number(m[1]), m[2]]] : []);
    return verifier;
  };
  const pointerKey = storeLayout.pointer(config.cluster);

  let etag: string | undefined;
  let pointer: Pointer | undefined;
  let bundle: { digest: Digest; objects: readonly KubeObject[] } | undefined;
  let rejected: string | undefined;
  let lastStatus: { body: string; at: number } | undefined;
  /** When the current bundle was first reconciled: the start of its progress deadline. */
  let appliedAt: { digest: Digest; at: number } | undefined;
  let failures = 0;
  /** Set during a pass under leader election: throws when the lease was lost. */
  let guard: (() => void) | undefined;
  const normalized = new Map<string, Normalized>();
  const members: MemberCache = new WeakMap();

  /** Writes status when it changed or a heartbeat is due; a store failure is logged, never thrown (the next pass retries). */
  const writeStatus = async (status: Omit<Status, 'heartbeatAt'>): Promise<boolean> => {
    const body = JSON.stringify(status);
    const now = clock.now();
    try {
      guard?.();
    } catch {
      return false; // not the leader any more: the new one reports
    }
    if (lastStatus?.body === body && now - lastStatus.at < (config.heartbeatMs ?? 300_000)) return false;
    const doc: Status = { ...status, heartbeatAt: new Date(now).toISOString() };
    try {
      await store.put(storeLayout.status(config.cluster), canonicalBytes(doc), { contentType: 'application/json' });
    } catch (err) {
      log({ level: 'error', msg: 'status write failed', cluster: config.cluster, error: (err as Error).message });
      return false;
    }
    lastStatus = { body, at: now };
    return true;
  };

  const statusOf = (phase: Phase, outcome: ReconcileOutcome | undefined, lastError?: string): Omit<Status, 'heartbeatAt'> => ({
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster: config.cluster,
    observedGeneration: pointer?.generation ?? 0,
    ...(bundle ? { appliedBundle: bundle.digest } : {}),
    phase,
    objects: {
      total: bundle?.objects.length ?? 0,
      ready: outcome ? outcome.applied + outcome.unchanged - outcome.notReady.length - outcome.degraded.length : 0,
      drifted: outcome?.drifted ?? 0,
      pruned: outcome?.pruned ?? 0,
    },
    ...(lastError ? { lastError } : {}),
    agentVersion: config.agentVersion ?? '0.1.0',
  });

  /** Reads the pointer; on a new one, the bundle it names. Checks failing leave the last good bundle in force. */
  const poll = async (): Promise<PassResult['poll']> => {
    let got;
    try {
      got = await store.get(pointerKey, { ...(etag ? { ifNoneMatch: etag } : {}), maxBytes: MAX_POINTER_BYTES });
    } catch (err) {
      if (classifyError(err) === 'transient') throw err;
      // Too large, or a read the store refuses: a pointer we cannot accept.
      rejected = (err as Error).message;
      return 'changed';
    }
    if (got.kind === 'not-modified') return 'not-modified';
    if (got.kind === 'not-found') return 'none';
    etag = got.etag;
    try {
      const next = decodePointer(
        got.body,
        `pointer ${pointerKey}`,
        config.cluster,
        config.verifyKey ? await verifierFor(config.verifyKey) : undefined,
      );
      if (next.bundle !== bundle?.digest) {
        const key = storeLayout.blob(next.bundle as Digest);
        const blob = await store.get(key, { maxBytes: limits.maxCompressedBytes });
        if (blob.kind !== 'found') throw new Error(`bundle ${next.bundle} read failed: no blob at ${key}`);
        const decoded = decodeBundle(blob.body, next.bundle as Digest, limits);
        bundle = { digest: next.bundle as Digest, objects: decoded.objects };
      }
      pointer = next;
      rejected = undefined;
    } catch (err) {
      if (classifyError(err) === 'transient') {
        etag = undefined; // read it again next time
        throw err;
      }
      rejected = (err as Error).message;
    }
    return 'changed';
  };

  const runOnce = async (): Promise<PassResult> => {
    let polled: PassResult['poll'];
    try {
      polled = await poll();
    } catch (err) {
      const error = (err as Error).message;
      log({ level: 'error', msg: 'poll failed', cluster: config.cluster, error });
      return { poll: 'error', phase: 'Unknown', error, statusWritten: false };
    }
    if (rejected) log({ level: 'error', msg: 'pointer or bundle refused', cluster: config.cluster, error: rejected });
    if (!bundle) {
      // Nothing accepted yet: nothing to keep in shape.
      const written = rejected ? await writeStatus(statusOf('Failed', undefined, rejected)) : false;
      return { poll: polled, phase: rejected ? 'Failed' : 'Unknown', statusWritten: written, ...(rejected ? { error: rejected } : {}) };
    }
    let outcome: ReconcileOutcome;
    try {
      const accepted = pointer ? { [APPLYSET.accepted]: `${pointer.generation}/${pointer.bundle}` } : {};
      outcome = await reconcile(bundle.objects, { kube, clock, parent, parentAnnotations: accepted, normalized, members, beforeWrite: () => guard?.() });
    } catch (err) {
      const error = (err as Error).message;
      log({ level: 'error', msg: 'reconcile failed', cluster: config.cluster, error });
      const written = await writeStatus(statusOf('Failed', undefined, error));
      return { poll: polled, phase: 'Failed', error, statusWritten: written, ...(pointer ? { generation: pointer.generation } : {}) };
    }
    if (appliedAt?.digest !== bundle.digest) appliedAt = { digest: bundle.digest, at: clock.now() };
    const overdue = clock.now() - appliedAt.at > (config.progressDeadlineMs ?? 600_000);
    // A refused pointer or bundle is Failed, while the last good bundle is still kept in shape.
    const phase: Phase =
      rejected !== undefined || outcome.failed.length > 0
        ? 'Failed'
        : outcome.degraded.length > 0 || (outcome.notReady.length > 0 && overdue)
          ? 'Degraded'
          : outcome.notReady.length > 0
            ? 'Progressing'
            : 'Applied';
    const unhealthy = outcome.degraded[0] ?? outcome.notReady[0];
    const lastError = rejected ?? outcome.failed[0]?.message ?? (phase === 'Degraded' && unhealthy ? `${unhealthy.object}: ${unhealthy.reason}` : undefined);
    const statusWritten = await writeStatus(statusOf(phase, outcome, lastError));
    if (outcome.applied || outcome.pruned || outcome.failed.length) {
      log({ level: 'info', msg: 'reconciled', cluster: config.cluster, generation: pointer?.generation, ...outcome, failed: outcome.failed.length });
    }
    return { poll: polled, phase, outcome, statusWritten, ...(pointer ? { generation: pointer.generation } : {}), ...(lastError ? { error: lastError } : {}) };
  };

  const holdsLease = async (): Promise<boolean> => {
    if (!deps.leader) return true;
    const was = deps.leader.isLeader();
    const now = await deps.leader.tryAcquireOrRenew().catch((err: unknown) => {
      log({ level: 'error', msg: 'leader election failed', cluster: config.cluster, error: (err as Error).message });
      return false;
    });
    if (now !== was) log({ level: 'info', msg: now ? 'became leader' : 'lost leadership', cluster: config.cluster });
    return now;
  };

  /**
   * With a leader elector: the lease is renewed while the pass runs, and every
   * write first checks that it is still held; a pass that loses it stops there
   * and counts as standby, so two pods never reconcile at once.
   */
  const step = async (): Promise<PassResult | 'standby'> => {
    const started = clock.now();
    let result: PassResult | 'standby';
    if (!(await holdsLease())) result = 'standby';
    else if (!deps.leader) result = await runOnce();
    else {
      const passDone = new AbortController();
      let lost = false;
      const renewing = (async () => {
        for (;;) {
          await clock.sleep(RENEW_EVERY_MS, passDone.signal);
          if (passDone.signal.aborted) return;
          if (!(await holdsLease())) {
            lost = true;
            return;
          }
        }
      })();
      guard = () => {
        if (lost) throw new Error('leadership lost during the pass');
      };
      try {
        result = await runOnce();
      } finally {
        guard = undefined;
        passDone.abort();
        await renewing;
      }
      if (lost) result = 'standby';
    }
    deps.metrics?.observePass(result, clock.now() - started);
    return result;
  };

  /** Sleeps `ms` (ending early on `signal`), renewing the lease often enough that it never lapses while we hold it. */
  const pause = async (ms: number, signal: AbortSignal): Promise<void> => {
    const renewEvery = deps.leader ? RENEW_EVERY_MS : ms;
    for (let left = ms; left > 0 && !signal.aborted; left -= renewEvery) {
      await clock.sleep(Math.min(left, renewEvery), signal);
      if (left > renewEvery && !signal.aborted && deps.leader?.isLeader()) await holdsLease();
    }
  };

  return {
    runOnce,
    step,
    async run(signal) {
      while (!signal.aborted) {
        const result = await step();
        if (result === 'standby') {
          await pause(5_000, signal);
          continue;
        }
        failures = result.poll === 'error' || result.phase === 'Failed' ? failures + 1 : 0;
        const wait =
          failures > 0
            ? backoffMs(failures, config.backoffBaseMs ?? 1_000, config.backoffMaxMs ?? 300_000, rng)
            : jitteredIntervalMs(config.intervalMs, config.jitter, rng);
        await pause(wait, signal);
      }
      // Hand the lease over at once instead of making the next leader wait it out.
      await deps.leader?.release().catch((err: unknown) => {
        log({ level: 'error', msg: 'lease release failed', cluster: config.cluster, error: (err as Error).message });
      });
    },
  };
}
