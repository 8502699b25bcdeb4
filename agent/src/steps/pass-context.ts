import type { Clock, KubeTarget, ObjectStore } from '@driftless/core';
import type { ResolvedConfig } from '../agent-config.js';
import type { AgentState } from '../agent-state.js';
import type { ReplayMemory } from '../replay-floor.js';

/** What every step of a pass reads: the adapters, the configuration, the agent's state, and the lease's signal. */
export interface PassContext {
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly kube: KubeTarget;
  readonly config: ResolvedConfig;
  /**
   * The agent's state, for reading: the pass runner alone assigns its fields.
   * The memos `normalized` and `members` are filled in place by the reconcile
   * step, on purpose (see AgentState).
   */
  readonly state: Readonly<AgentState>;
  /**
   * The replay memory, loaded on first use from every record of the floor
   * (see replayLoader). Verifying a pointer records its generation in its
   * verifier: the verifier is the agent's replay memory.
   */
  readonly replay: () => Promise<ReplayMemory>;
  /** Aborts when the agent loses its lease: steps send no write after that. Absent without leader election. */
  readonly signal: AbortSignal | undefined;
}
