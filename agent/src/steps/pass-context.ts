import type { Clock, KubeTarget, ObjectStore, PointerVerifier } from '@driftless/core';
import type { ResolvedConfig } from '../agent-config.js';
import type { AgentState } from '../agent-state.js';

/** What every step of a pass reads: the adapters, the configuration, the agent's state, and the lease's signal. */
export interface PassContext {
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly kube: KubeTarget;
  readonly config: ResolvedConfig;
  /** Read only: the pass runner alone changes it, from the steps' results. */
  readonly state: Readonly<AgentState>;
  /** With a verify key: the verifier, starting from the pointer recorded in the cluster (see verifierLoader). */
  readonly verifier: (() => Promise<PointerVerifier>) | undefined;
  /** Aborts when the agent loses its lease: steps send no write after that. Absent without leader election. */
  readonly signal: AbortSignal | undefined;
}
