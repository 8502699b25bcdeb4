import type { KeyObject } from 'node:crypto';
import { DEFAULT_BUNDLE_LIMITS, DriftlessError, type BundleLimits } from '@driftless/core';
import type { ApplySetParentRef } from './reconcile/applyset.js';

/** How an agent behaves; durations in ms. */
export interface AgentConfig {
  readonly cluster: string;
  readonly intervalMs: number;
  /** 0..1: each pause is the interval times a uniform factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
  /**
   * Ed25519 public keys: a pointer must be signed with the private key of one
   * of them (several while the hub's key is rotated). Empty only together with
   * `insecureSkipVerify`; createAgent throws `VerifyKeyMissing` otherwise.
   */
  readonly verifyKeys: readonly KeyObject[];
  /**
   * Accept unsigned pointers when `verifyKeys` is empty: whoever can write the
   * store then controls the cluster. Announced by a `warn` log line at start
   * and `insecureSkipVerify: true` in every status. Ignored when keys are given.
   */
  readonly insecureSkipVerify?: boolean;
  /**
   * The operator's replay floor: pointers older than this generation are
   * refused, on top of the floor the agent finds recorded (see
   * loadReplayMemory). Needed only when no record survives in a cluster that
   * was managed before; 0 accepts whatever generation comes.
   */
  readonly replayFloor?: number;
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

/** {@link AgentConfig} with every default filled in; `insecure` is whether pointers go unverified. */
export type ResolvedConfig = Required<Omit<AgentConfig, 'insecureSkipVerify' | 'replayFloor'>> & Pick<AgentConfig, 'replayFloor'> & { readonly insecure: boolean };

/** Fills in the defaults documented on {@link AgentConfig}; throws `VerifyKeyMissing` without keys unless insecure mode is asked for. */
export function resolveConfig(config: AgentConfig): ResolvedConfig {
  const { insecureSkipVerify, ...rest } = config;
  if (config.verifyKeys.length === 0 && insecureSkipVerify !== true) {
    const fix = 'pass --verify-key FILE (the hub\'s public key, from driftless keys generate) or, to accept unsigned pointers from anyone who can write the store, --insecure-skip-verify';
    throw new DriftlessError('VerifyKeyMissing', `agent ${config.cluster} start failed: no verify key: ${fix}`, { cluster: config.cluster });
  }
  return {
    ...rest,
    insecure: config.verifyKeys.length === 0,
    parent: config.parent ?? { name: 'driftless-applyset', namespace: 'driftless-system' },
    heartbeatMs: config.heartbeatMs ?? 300_000,
    progressDeadlineMs: config.progressDeadlineMs ?? 600_000,
    backoffBaseMs: config.backoffBaseMs ?? 1_000,
    backoffMaxMs: config.backoffMaxMs ?? 300_000,
    agentVersion: config.agentVersion ?? '0.2.0',
    bundleLimits: config.bundleLimits ?? DEFAULT_BUNDLE_LIMITS,
  };
}
