import {
  API_VERSION,
  compileError,
  decodeBundle,
  parseJsonDocument,
  previewSchema,
  previewsSpecSchema,
  storeLayout,
  type AuditDraft,
  type BundleLimits,
  type Cluster,
  type Digest,
  type KubeObject,
  type Preview,
  type PreviewsSpec,
  type RepositorySource,
} from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock, type StoreOperation } from '@driftless/fakes';
import { runPreviewCycle, type PreviewCycleMemo } from '../previews/preview-cycle.js';
import type { BuildPreview, PreviewBase, PreviewsReport, SetPreviewsPointer } from '../previews/preview-types.js';
import { noKustomize } from './unit-hub.js';

/** 2026-11-30T00:00:00Z: where every fixture clock starts. */
export const T0 = Date.UTC(2026, 10, 30);
/** The fixture's spec.previews ttl, ms (72h). */
export const TTL_MS = 72 * 3_600_000;

function cluster(name: string): Cluster {
  return { apiVersion: API_VERSION, kind: 'Cluster', metadata: { name, labels: { previews: 'true' } }, spec: { vars: {} } };
}

/**
 * A preview cycle over a MemoryRepository (main with one commit), a
 * MemoryObjectStore and a VirtualClock, with a build double that gives each
 * host the preview's Namespace and a ConfigMap naming the built commit (or
 * fails for the branches in `failing`), pointers as a map that
 * `setPreviews` moves, and the audit drafts recorded.
 */
export function previewFixture(opts: { hosts?: readonly string[]; limits?: BundleLimits; memo?: PreviewCycleMemo } = {}) {
  const repo = new MemoryRepository();
  repo.commit({ 'fleet.yaml': 'kind: Fleet\n' }, 'base');
  const clock = new VirtualClock(T0);
  const ops: [StoreOperation, string][] = [];
  const store = new MemoryObjectStore({
    clock,
    latency: (op, key) => {
      ops.push([op, key]);
      return Promise.resolve();
    },
  });
  /** Hosts whose setPreviews throws. */
  const brokenHosts = new Set<string>();
  const audit = { failing: false };
  const pointers = new Map<string, Digest>();
  const setCalls: [string, Digest | undefined][] = [];
  const drafts: AuditDraft[] = [];
  const logs: Record<string, unknown>[] = [];
  const failing = new Set<string>();
  let hosts = opts.hosts ?? ['host-a', 'host-b'];
  // spec.previews as the base's fleet.yaml gives it: undefined once removed (setSpec).
  let spec: PreviewsSpec | undefined = previewsSpecSchema.parse({ branches: ['feature/**'], clusters: { matchLabels: { previews: 'true' } }, apps: ['web'], namespace: 'pr-${branch.slug}', ttl: '72h' });
  let releaseNamespaces: readonly string[] = [];
  /** Hosts whose setPreviews answers held-frozen (nothing written). */
  const frozen = new Set<string>();
  const ancestry = { asked: 0 };
  const source: Pick<RepositorySource, 'sync' | 'isDescendant'> = {
    sync: (r) => repo.sync(r),
    isDescendant: (q) => {
      ancestry.asked += 1;
      return repo.isDescendant(q);
    },
  };

  const setPreviews: SetPreviewsPointer = async (host, digest, beforeMove) => {
    setCalls.push([host, digest]);
    if (brokenHosts.has(host)) throw new Error(`pointer of ${host} is corrupt`);
    if (pointers.get(host) === digest) return 'kept';
    if (frozen.has(host)) return 'held-frozen';
    await beforeMove?.();
    if (digest === undefined) pointers.delete(host);
    else pointers.set(host, digest);
    return 'moved';
  };
  const build: BuildPreview = (req) => {
    if (failing.has(req.branch)) return Promise.reject(compileError('apps/web/deploy.yaml', 3, `branch ${req.branch}: mapping values are not allowed here`));
    const labels = { 'driftless.io/preview': req.slug };
    const perHost = new Map<string, KubeObject[]>();
    for (const h of req.base.hosts) {
      perHost.set(h.metadata.name, [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: req.namespace, labels } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: req.namespace, labels }, data: { commit: req.reader.commit, host: h.metadata.name } },
      ]);
    }
    return Promise.resolve(perHost);
  };

  function base(): PreviewBase {
    if (spec === undefined) return { revision: repo.head() as string, branch: 'main', spec, hosts: [], inputs: '' };
    return { revision: repo.head() as string, branch: 'main', spec, hosts: hosts.map(cluster), inputs: `inputs-${hosts.join(',')}`, releaseNamespaces };
  }

  return {
    repo,
    /** Every store operation, in order, as [operation, key]. */
    ops,
    brokenHosts,
    /** Set `failing` to make every audit append reject. */
    audit,
    /** How often the cycle asked the repository whether a branch was merged. */
    ancestry,
    store,
    clock,
    pointers,
    setCalls,
    drafts,
    logs,
    failing,
    frozen,
    setHosts(next: readonly string[]): void {
      hosts = next;
    },
    /** Replaces spec.previews (undefined: the base's fleet.yaml has none). */
    setSpec(next: PreviewsSpec | undefined): void {
      spec = next;
    },
    /** The namespaces the hosts' release bundles use (PreviewBase.releaseNamespaces). */
    setReleaseNamespaces(next: readonly string[]): void {
      releaseNamespaces = next;
    },
    /** Branches `name` off main's head and commits one file on it; returns the commit. */
    push(branch: string, content = 'v1'): string {
      if (repo.head(branch) === undefined) repo.createBranch(branch);
      return repo.commit({ [`apps/web/${branch}.txt`]: content }, `push ${content}`, branch);
    },
    /** One cycle as the hub runs it: one branch listing, then the cycle. */
    async cycle(): Promise<PreviewsReport> {
      const listing = await repo.listBranches({ repo: repo.url });
      return runPreviewCycle(
        {
          store,
          clock,
          source,
          build,
          buildOptions: { kustomize: noKustomize },
          setPreviews,
          audit: { append: (d) => (audit.failing ? Promise.reject(new Error('audit log append failed: store refused')) : Promise.resolve(drafts.push(...d))) },
          log: (e) => logs.push(e),
          ...(opts.limits ? { bundleLimits: opts.limits } : {}),
          ...(opts.memo ? { memo: opts.memo } : {}),
        },
        { repo: repo.url, listing, base: base() },
      );
    },
    /** The preview document of `slug`, schema-validated, or undefined. */
    async doc(slug: string): Promise<Preview | undefined> {
      const got = await store.get(storeLayout.preview(slug));
      return got.kind === 'found' ? parseJsonDocument(previewSchema, got.body, slug) : undefined;
    },
    /** The objects of `host`'s previews bundle (digest verified), as `namespace/kind/name` -> data; empty when it has none. */
    async hostObjects(host: string): Promise<Map<string, unknown>> {
      const digest = pointers.get(host);
      if (digest === undefined) return new Map();
      const got = await store.get(storeLayout.blob(digest));
      if (got.kind !== 'found') throw new Error(`blob ${digest} of ${host} is missing`);
      const objects = decodeBundle(got.body, digest).objects;
      return new Map(objects.map((o) => [`${o.metadata.namespace ?? ''}/${o.kind}/${o.metadata.name}`, (o as { data?: unknown }).data ?? null]));
    },
  };
}
