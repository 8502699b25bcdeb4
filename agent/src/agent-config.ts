import type { KeyObject } from 'node:crypto';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '@driftless/core';
import type { ApplySetParentRef } from './reconcile/applyset.js';

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

/** {@link AgentConfig} with every default filled in. */
export type ResolvedConfig = Required<Omit<AgentConfig, 'verifyKey'>> & Pick<AgentConfig, 'verifyKey'>;

/** Fills in the defaults documented on {@link AgentConfig}. */
export function resolveConfig(config: AgentConfig): ResolvedConfig {
  return {
    ...config,
    parent: config.parent ?? { name: 'driftless-applyset', namespace: 'driftless-system' },
    heartbeatMs: config.heartbeatMs ?? 300_000,
    progressDeadlineMs: config.progressDeadlineMs ?? 600_000,
    backoffBaseMs: config.backoffBaseMs ?? 1_000,
    backoffMaxMs: config.backoffMaxMs ?? 300_000,
    agentVersion: config.agentVersion ?? '0.1.0',
    bundleLimits: config.bundleLimits ?? DEFAULT_BUNDLE_LIMITS,
  };
}
