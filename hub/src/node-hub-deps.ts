import { randomUUID, type KeyObject } from 'node:crypto';
import type { Clock, ObjectStore, Rng } from '@driftless/core';
import { DEFAULT_MAX_FILE_BYTES } from './compile.js';
import { gitRepositorySource, type GitRepositorySourceOptions } from './git/git-repository-source.js';
import type { HubLog } from './hub-log.js';
import type { HubDeps } from './hub.js';
import { helmRunner } from './render/helm.js';
import { kustomizeRunner } from './render/kustomize.js';
import { fileHubStateStore } from './state/file-hub-state.js';

/** What a hub process is configured with: `driftless hub compile`'s flags and environment. */
export interface NodeHubOptions {
  readonly store: ObjectStore;
  /** The hub's clock; git retries wait on it too. */
  readonly clock: Clock;
  /** The jitter of git retries. Default `Math.random`. */
  readonly rng?: Rng;
  /** Where remote repositories are cloned (`<cacheDir>`) and the hub state is kept (`<cacheDir>/state`). */
  readonly cacheDir: string;
  /** The kustomize binary. */
  readonly kustomizeBinary: string;
  /** The helm binary; without it, a Helm chart app is a compile error (pass --helm). */
  readonly helmBinary?: string;
  /**
   * Identifies the store (its URL) for the hub state, which lets a compile skip
   * unchanged clusters and pointer reads. Without it, every compile starts from scratch.
   */
  readonly stateKey?: string;
  /** HTTP basic credentials for the git remote (DRIFTLESS_GIT_TOKEN). */
  readonly gitAuth?: GitRepositorySourceOptions['auth'];
  /** Git fetch attempts; see GitSourceOptions. */
  readonly gitAttempts?: number;
  /** First git retry backoff, ms; see GitSourceOptions. */
  readonly gitBackoffMs?: number;
  /** A git request idle this long fails and is retried, ms; see GitSourceOptions.timeoutMs. */
  readonly gitTimeoutMs?: number;
  readonly signingKey?: KeyObject;
  /** A signed pointer's lifetime, ms (`--pointer-ttl`); see HubDeps. */
  readonly pointerTtlMs?: number;
  readonly log?: HubLog;
}

/**
 * The hub's dependencies in a Node process: git over isomorphic-git cloning
 * into the cache directory, the kustomize and helm binaries, the hub state as a file in
 * the cache directory (when `stateKey` is given) and random UUIDs.
 */
export function nodeHubDeps(opts: NodeHubOptions): HubDeps {
  return {
    store: opts.store,
    clock: opts.clock,
    source: gitRepositorySource({
      cacheDir: opts.cacheDir,
      clock: opts.clock,
      ...(opts.rng ? { rng: opts.rng } : {}),
      ...(opts.gitAuth ? { auth: opts.gitAuth } : {}),
      ...(opts.gitAttempts ? { attempts: opts.gitAttempts } : {}),
      ...(opts.gitBackoffMs !== undefined ? { backoffMs: opts.gitBackoffMs } : {}),
      ...(opts.gitTimeoutMs !== undefined ? { timeoutMs: opts.gitTimeoutMs } : {}),
    }),
    renderers: {
      kustomize: kustomizeRunner({ binary: opts.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES }),
      ...(opts.helmBinary ? { helm: helmRunner({ binary: opts.helmBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES }) } : {}),
    },
    ...(opts.stateKey ? { state: fileHubStateStore(opts.cacheDir, opts.stateKey) } : {}),
    newId: randomUUID,
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    ...(opts.pointerTtlMs !== undefined ? { pointerTtlMs: opts.pointerTtlMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  };
}
