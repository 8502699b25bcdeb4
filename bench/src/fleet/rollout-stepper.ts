import { performance } from 'node:perf_hooks';
import type { Clock, MetricSource, ObjectStore } from '@driftless/core';
import { coreRolloutMachine, createAuditLog, createRolloutController, createStatusObserver, type StepReport } from '@driftless/hub';
import type { KeyObject } from 'node:crypto';
import { countedStore } from './observed-store.js';

/** One step of the rollout controller as the bench saw it. */
export interface StepSample {
  /** When it started, ms since the run started (the run's clock). */
  readonly at: number;
  /** Wall-clock duration, ms (in virtual mode the simulated clusters' work between its requests counts too). */
  readonly wallMs: number;
  /** Duration on the run's clock, ms (virtual mode: the latency model's). */
  readonly clockMs: number;
  /** Listing pages of `clusters/` it read. */
  readonly listPages: number;
  /** Status documents it read with a body (their ETag changed). */
  readonly statusGets: number;
  /** Conditional status reads answered 304 (stores whose listing carries no ETags). */
  readonly statusNotModified: number;
  /** Every store request of the step (rollout document, freeze, statuses, pointer moves, audit). */
  readonly storeRequests: number;
  readonly rollout?: string;
  readonly phase?: StepReport['phase'];
  readonly moved: number;
  /** Pointers it moved back to their last good bundle (`onFailure: revert`). */
  readonly reverted: number;
  readonly changed: boolean;
  readonly halted: boolean;
  /** While halted: why (the halt's reason). */
  readonly haltReason?: string;
  /** Set when the step threw (it is retried at the next one, as `hub serve` does). */
  readonly error?: string;
}

export interface RolloutStepperOptions {
  /** The store as the controller writes it (pointer writes reported to the recorder: see publishingStore). */
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly signingKey: KeyObject;
  /** Between steps, ms of `clock` (hub serve's `stepMs`). */
  readonly stepMs: number;
  /** The run's start on `clock`: sample times are relative to it. */
  readonly startedAt: number;
  /** Where the delivery's checks read (the controller refuses a rollout with checks without one). */
  readonly metrics?: MetricSource;
}

/** The real rollout controller stepping on the run's clock (see startRolloutStepper). */
export interface RolloutStepper {
  readonly samples: readonly StepSample[];
  /** Calls `fn` after every step; returns the unsubscribe function. */
  onStep(fn: (s: StepSample) => void): () => void;
  /** Stops after the step under way. */
  stop(): Promise<void>;
}

/**
 * The real rollout controller (`createRolloutController` with core's state
 * machine, the store's audit log and its own status observer) stepping every
 * `stepMs` of the run's clock, as `hub serve` does; each step is timed (wall
 * clock and the run's clock) and its store requests counted.
 */
export function startRolloutStepper(opts: RolloutStepperOptions): RolloutStepper {
  const counted = countedStore(opts.store);
  const { clock } = opts;
  const observer = createStatusObserver(counted.store);
  let ids = 0;
  const controller = createRolloutController({
    store: counted.store,
    clock,
    machine: coreRolloutMachine,
    audit: createAuditLog({ store: counted.store, clock, signingKey: opts.signingKey }),
    signingKey: opts.signingKey,
    observer,
    // Deterministic, so that the same seed writes the same bytes.
    newId: () => `bench-step-${++ids}`,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  const samples: StepSample[] = [];
  const listeners = new Set<(s: StepSample) => void>();
  const stopping = new AbortController();

  const stepOnce = async (): Promise<StepSample> => {
    const at = clock.now();
    const wall = performance.now();
    const before = { ...observer.requests, all: counted.requests() };
    let report: StepReport | undefined;
    let error: string | undefined;
    try {
      report = await controller.step();
    } catch (err) {
      error = (err as Error).message;
    }
    const r = observer.requests;
    return {
      at: at - opts.startedAt,
      wallMs: Math.round((performance.now() - wall) * 10) / 10,
      clockMs: clock.now() - at,
      listPages: r.list - before.list,
      statusGets: r.get - before.get,
      statusNotModified: r.notModified - before.notModified,
      storeRequests: counted.requests() - before.all,
      ...(report?.rollout ? { rollout: report.rollout } : {}),
      ...(report?.phase ? { phase: report.phase } : {}),
      moved: report?.moved ?? 0,
      reverted: report?.reverted ?? 0,
      changed: report?.changed ?? false,
      halted: report?.halted !== undefined,
      ...(report?.halted ? { haltReason: report.halted.reason } : {}),
      ...(error ? { error } : {}),
    };
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const sample = await stepOnce();
      samples.push(sample);
      for (const fn of listeners) fn(sample);
      await clock.sleep(opts.stepMs, stopping.signal);
    }
  })();

  return {
    samples,
    onStep(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
