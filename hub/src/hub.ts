import type { KeyObject } from 'node:crypto';
import type { ObjectStore } from '@driftless/core';
import { compileFleet, DEFAULT_MAX_FILE_BYTES } from './compile.js';
import { syncGitSource, type GitSourceOptions } from './git/git-source.js';
import { randomUUID } from 'node:crypto';
import { loadHubState, saveHubState, writePublishMarker } from './hub-state.js';
import { publishFleet, type PublishResult } from './publish.js';
import { kustomizeRunner } from './render/kustomize.js';

/** Everything the hub needs from outside, passed in (STYLE.md: one deps object). */
export interface HubDeps {
  readonly store: ObjectStore;
  /** The clock. */
  readonly now: () => Date;
  /** Where remote repositories are cloned. */
  readonly cacheDir: string;
  /** The kustomize binary. */
  readonly kustomizeBinary: string;
  /** HTTP basic credentials for the git remote (DRIFTLESS_GIT_TOKEN). */
  readonly gitAuth?: GitSourceOptions['auth'];
  readonly signingKey?: KeyObject;
  /**
   * Identifies the store (its URL) for the hub's local state, which lets a
   * compile skip unchanged clusters and pointer reads. Without it, every compile
   * starts from scratch.
   */
  readonly stateKey?: string;
  /** Git fetch retries; see GitSourceOptions. */
  readonly gitAttempts?: number;
  readonly gitBackoffMs?: number;
  /** A git request idle this long fails and is retried, ms; see GitSourceOptions.timeoutMs. */
  readonly gitTimeoutMs?: number;
}

export interface CompileRequest {
  /** URL or local directory of the fleet repository. */
  readonly repo: string;
  readonly ref?: string;
  readonly allowMassPrune?: boolean;
  readonly allowPlainSecrets?: boolean;
}

/** The `driftless hub compile --json` document. */
export interface CompileReport extends Omit<PublishResult, 'memo'> {
  readonly durationMs: number;
}

/** The hub: one fetch, one compile, one publish per call. */
export interface Hub {
  compile(req: CompileRequest): Promise<CompileReport>;
}

export function createHub(deps: HubDeps): Hub {
  return {
    async compile(req) {
      const started = deps.now().getTime();
      const snapshot = await syncGitSource({
        repo: req.repo,
        cacheDir: deps.cacheDir,
        ...(req.ref ? { ref: req.ref } : {}),
        ...(deps.gitAuth ? { auth: deps.gitAuth } : {}),
        ...(deps.gitAttempts ? { attempts: deps.gitAttempts } : {}),
        ...(deps.gitBackoffMs !== undefined ? { backoffMs: deps.gitBackoffMs } : {}),
        ...(deps.gitTimeoutMs !== undefined ? { timeoutMs: deps.gitTimeoutMs } : {}),
      });
      const state = deps.stateKey ? await loadHubState(deps.cacheDir, deps.stateKey, deps.store) : undefined;
      const kustomize = kustomizeRunner({ binary: deps.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
      const compiled = await compileFleet(snapshot.reader, {
        kustomize,
        allowPlainSecrets: req.allowPlainSecrets ?? false,
        ...(state ? { memo: state.compile } : {}),
      });
      // A new marker id before the first pointer changes: from then on no state,
      // ours included, is trusted until this publish has completed and saved its own.
      const id = randomUUID();
      let marked = false;
      const { memo, ...result } = await publishFleet({
        store: deps.store,
        compiled,
        now: deps.now,
        allowMassPrune: req.allowMassPrune ?? false,
        ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
        ...(state ? { previous: state.publish } : {}),
        beforePointerWrites: async () => {
          if (!deps.stateKey) return;
          await writePublishMarker(deps.store, id, compiled.revision, deps.now);
          marked = true;
        },
      });
      if (deps.stateKey) {
        // A cluster refused by the mass-prune guard still points at its old bundle: forget
        // its new fingerprint, so the next compile renders it again.
        const clusters = Object.fromEntries(Object.entries(compiled.memo.clusters).filter(([c, m]) => memo.pointers[c]?.digest === m.digest));
        const content = { revision: compiled.revision, compile: { clusterFiles: compiled.memo.clusterFiles, clusters }, publish: memo };
        // Nothing changed and the state was trusted: keep its id, write nothing to the store.
        const keepId = !marked && state ? state.id : undefined;
        if (!keepId && !marked) await writePublishMarker(deps.store, id, compiled.revision, deps.now);
        await saveHubState(deps.cacheDir, deps.stateKey, keepId ?? id, content);
      }
      return { ...result, durationMs: deps.now().getTime() - started };
    },
  };
}
