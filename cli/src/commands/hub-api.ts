import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { MetricSource, RepositorySource } from '@driftless/core';
import type { Hub } from '@driftless/hub';
import type { OpenedStore } from '@driftless/store';
import { UsageError } from '../errors.js';
import { defaultCacheDir, durationFlag, helmBinary, kustomizeBinary } from './options.js';

/** What `hub compile` and `hub serve` build a hub from. */
export interface HubApiFlags {
  readonly cacheDir?: string;
  readonly kustomize?: string;
  readonly helm?: string;
  readonly signingKey?: KeyObject;
  readonly pointerTtlMs?: number;
  /** Where the rollouts' metric checks read their values (`--prometheus`). */
  readonly metrics?: MetricSource;
}

/**
 * The hub of a CLI process over an opened store: git (DRIFTLESS_GIT_TOKEN as
 * basic auth), the kustomize and helm binaries, the state cache, the wall clock; and its
 * repository source, for `hub serve`'s ref listings.
 */
export async function nodeHub(opened: OpenedStore, flags: HubApiFlags): Promise<{ hub: Hub; source: RepositorySource }> {
  const [{ createHub, nodeHubDeps }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
  const token = process.env['DRIFTLESS_GIT_TOKEN'];
  const deps = nodeHubDeps({
    store: opened.store,
    clock: systemClock,
    cacheDir: flags.cacheDir ?? join(defaultCacheDir(), 'hub'),
    stateKey: storeKey(opened.location),
    kustomizeBinary: await kustomizeBinary(flags.kustomize),
    helmBinary: await helmBinary(flags.helm),
    ...(token ? { gitAuth: { username: process.env['DRIFTLESS_GIT_USERNAME'] ?? 'x-access-token', password: token } } : {}),
    ...(flags.signingKey ? { signingKey: flags.signingKey } : {}),
    ...(flags.pointerTtlMs !== undefined ? { pointerTtlMs: flags.pointerTtlMs } : {}),
  });
  return { hub: createHub({ ...deps, ...(flags.metrics ? { metrics: flags.metrics } : {}) }), source: deps.source };
}

/** The store's identity for the hub's local state. */
function storeKey(location: OpenedStore['location']): string {
  return location.kind === 'file' ? `file:${location.dir}` : `s3://${location.bucket}/${location.prefix}@${process.env['AWS_ENDPOINT_URL'] ?? ''}`;
}

/** A duration flag that must be more than zero, ms (exit 2 naming the flag otherwise). */
export function positiveDuration(flag: string, value: string): number {
  const ms = durationFlag(flag, value);
  if (ms <= 0) throw new UsageError(`${flag} ${value} must be longer than zero`);
  return ms;
}
