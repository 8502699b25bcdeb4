import pLimit from 'p-limit';
import {
  decodePointer,
  listAll,
  parseJsonDocument,
  PREVIEW_MAX_BYTES,
  previewSchema,
  STATUS_MAX_BYTES,
  statusSchema,
  storeLayout,
  type ObjectStore,
  type Phase,
  type Pointer,
  type Preview,
  type Status,
} from '@driftless/core';
import { MAX_POINTER_BYTES } from '../publish/pointer-moves.js';

/**
 * A preview's phase on one host: `Pending` until the host's pointer names a
 * previews bundle, its agent has applied that bundle (status.appliedPreviews)
 * and reports the preview's apps; then the worst phase of the apps keyed
 * `<namespace>/…` in its status.
 */
export type PreviewHostPhase = Phase | 'Pending';

/**
 * A preview's phase: `Building` before its first build succeeded, `Failed`
 * when that first build failed (nothing runs: `error` says why), else the
 * worst of its hosts' phases (a newest commit that failed to build while an
 * older build runs shows in `error`, not here).
 */
export type PreviewPhase = PreviewHostPhase | 'Building';

/** One preview in `driftless previews`. */
export interface PreviewRow {
  readonly branch: string;
  readonly slug: string;
  /** The branch's newest commit the hub has seen. */
  readonly commit: string;
  readonly namespace: string;
  readonly hosts: readonly { readonly cluster: string; readonly phase: PreviewHostPhase }[];
  readonly phase: PreviewPhase;
  /** Whether a build of the branch ever succeeded (`built` in the document): with `error`, an older build runs. */
  readonly built: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
  /** The newest commit's build failure, when it failed. */
  readonly error?: string;
}

/** Every live preview, and the documents under `previews/` that could not be read (each names its key). */
export interface PreviewListing {
  readonly previews: readonly PreviewRow[];
  readonly problems: readonly string[];
}

/** The largest pointer read here, bytes: a pointer is well under 1 KiB. */

const WORST_FIRST: readonly PreviewPhase[] = ['Failed', 'Degraded', 'Stale', 'Pending', 'Building', 'Progressing', 'Applied'];
const worst = <P extends PreviewPhase>(phases: readonly P[], none: P): P =>
  phases.reduce((a, b) => (WORST_FIRST.indexOf(b) < WORST_FIRST.indexOf(a) ? b : a), none);

/** What a host's pointer and status say, read once however many previews it hosts. */
export interface HostDocs {
  readonly pointer?: Pointer;
  readonly status?: Status;
}

/**
 * Every `previews/<slug>.json` in the store (sorted by branch) with its phase
 * per host from the hosts' pointers and statuses. A preview document, pointer
 * or status that cannot be read is listed in `problems` (naming its key) and
 * counts as absent; it never fails the listing.
 */
export async function listPreviews(store: ObjectStore): Promise<PreviewListing> {
  const problems: string[] = [];
  const readDoc = async <T>(key: string, maxBytes: number, parse: (body: Uint8Array) => T): Promise<T | undefined> => {
    try {
      const got = await store.get(key, { maxBytes });
      return got.kind === 'found' ? parse(got.body) : undefined;
    } catch (err) {
      problems.push(err instanceof Error ? err.message : `${key} read failed: ${String(err)}`);
      return undefined;
    }
  };
  const limit = pLimit(32);
  const keys: string[] = [];
  for await (const key of listAll(store, storeLayout.previewsPrefix)) if (key.endsWith('.json')) keys.push(key);
  const docs = (await Promise.all(keys.map((key) => limit(() => readDoc(key, PREVIEW_MAX_BYTES, (b) => parseJsonDocument(previewSchema, b, key)))))).filter(
    (d): d is Preview => d !== undefined,
  );
  const hostNames = [...new Set(docs.flatMap((d) => d.hosts))].sort();
  const hosts = new Map<string, HostDocs>();
  await Promise.all(
    hostNames.map((cluster) =>
      limit(async () => {
        const [pointer, status] = await Promise.all([
          readDoc(storeLayout.pointer(cluster), MAX_POINTER_BYTES, (b) => decodePointer(b, storeLayout.pointer(cluster), cluster)),
          readDoc(storeLayout.status(cluster), STATUS_MAX_BYTES, (b) => parseJsonDocument(statusSchema, b, storeLayout.status(cluster))),
        ]);
        hosts.set(cluster, { ...(pointer ? { pointer } : {}), ...(status ? { status } : {}) });
      }),
    ),
  );
  const previews = docs.map((doc) => previewRow(doc, hosts)).sort((a, b) => (a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : 0));
  return { previews, problems };
}

/** One preview's row from its document and its hosts' documents. */
export function previewRow(doc: Preview, hosts: ReadonlyMap<string, HostDocs>): PreviewRow {
  const hostRows = doc.hosts.map((cluster) => ({ cluster, phase: hostPhase(doc.namespace, hosts.get(cluster) ?? {}) }));
  const phase: PreviewPhase = doc.built === undefined ? (doc.error ? 'Failed' : 'Building') : worst(hostRows.map((h) => h.phase), 'Applied');
  const error = doc.error && (doc.error.commit === doc.commit || doc.built === undefined) ? doc.error.message : undefined;
  return {
    branch: doc.branch,
    slug: doc.slug,
    commit: doc.commit,
    namespace: doc.namespace,
    hosts: hostRows,
    phase,
    built: doc.built !== undefined,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    expiresAt: doc.expiresAt,
    ...(error !== undefined ? { error } : {}),
  };
}

/** See {@link PreviewHostPhase}. */
function hostPhase(namespace: string, { pointer, status }: HostDocs): PreviewHostPhase {
  if (pointer?.previews === undefined || status === undefined || status.appliedPreviews !== pointer.previews) return 'Pending';
  const apps = Object.entries(status.apps ?? {}).filter(([key]) => key.startsWith(`${namespace}/`));
  // The applied previews bundle predates this preview (its host's move is held or still to come).
  if (apps.length === 0) return 'Pending';
  return worst(apps.map(([, app]) => app.phase), 'Applied');
}
