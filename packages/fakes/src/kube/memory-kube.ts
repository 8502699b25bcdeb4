import { groupOf, labelsMatch, parseLabelSelector, type Clock, type KubeObject, type KubeObjectRef, type KubeRequestCounters, type KubeResourceInfo, type KubeTarget } from '@driftless/core';
import { crdInvalidity, crdKinds, establish } from './custom-resources.js';
import { instantStatus } from './instant-controllers.js';
import { BUILTIN_KINDS, SYSTEM_NAMESPACES, type KindInfo } from './kind-table.js';
import { configOf, generationView, invalidity, serverFields, timestamp } from './object-rules.js';
import { refOfObject, refused } from './refusal.js';
import { serverSideApply } from './server-side-apply.js';
import type { StringPool } from './string-pool.js';

/** The requests of the KubeTarget port, as the latency hook sees them. */
export type KubeOperation = 'resourceOf' | 'apply' | 'get' | 'list' | 'delete';

/** Options of {@link MemoryKubeTarget}. */
export interface MemoryKubeOptions {
  /** Awaited before every request (list and resourceOf get `name: '*'`): a latency model, e.g. a fake clock's sleep. */
  readonly latency?: (op: KubeOperation, ref: KubeObjectRef) => Promise<void>;
  /**
   * `none` (default): an API server alone, like the test kube-apiserver: nothing
   * reports workload status and a deleted Namespace stays Terminating with its
   * contents. `instant`: controllers that catch up at once: every apply that
   * changes a workload's spec gives it the status of a finished rollout (see
   * instantStatus), Jobs Complete, claims Bound, and deleting a Namespace
   * removes it with everything in it.
   */
  readonly controllers?: 'none' | 'instant';
  /** Whose time creation, deletion and condition timestamps are (e.g. a VirtualClock); default the wall clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * Shared by the API servers of one simulation (the bench's fleet): stored
   * JSON and field owners equal to another server's are kept once. Default:
   * none, every server keeps its own strings.
   */
  readonly strings?: StringPool;
}

type Json = Record<string, unknown>;

/** One stored object: its JSON (the only copy; every read parses it) and its field owners (see serverSideApply). */
class Stored {
  constructor(
    readonly json: string,
    readonly owners: readonly string[],
  ) {}
}

const CORE_NAMESPACE = '\u0000Namespace';

/**
 * An in-memory Kubernetes API for unit tests and the bench's simulated
 * clusters, passing the same contract suite as the real adapter
 * (describeKubeTargetContract). It serves the built-in kinds of kind-table.ts
 * and the served versions of every CustomResourceDefinition applied to it,
 * which is Established at once. Apply is server-side apply with force,
 * approximated without schemas (serverSideApply: per-manager field paths,
 * lists keyed by `name`); status is a subresource apply never sets; there is
 * no defaulting, pruning or schema validation beyond names and labels.
 * resourceVersion is a per-instance counter (uids derive from it), and
 * generation follows the API server's rules per kind. Objects are stored as
 * JSON, so everything crossing the port is a deep copy and an object costs
 * about its JSON size plus its owners' field paths. The only awaits are the
 * latency hook's: no timers, no I/O. Reads name each field manager in
 * `metadata.managedFields` (without their field sets). Not modelled: watches, conversion between
 * versions (every version of a kind serves the same object), admission.
 */
export class MemoryKubeTarget implements KubeTarget {
  /** Requests: reads (get, list, resourceOf) and writes (apply, delete), refused ones included, like the real adapter. */
  readonly counters: KubeRequestCounters = { reads: 0, writes: 0 };
  /** `group\0kind` -> `namespace/name` (or name) -> object. */
  private readonly objectsByKind = new Map<string, Map<string, Stored>>();
  /** Kinds registered by CRDs: apiVersion -> kind -> info. */
  private crds: Map<string, Map<string, KindInfo>> | undefined;
  private revision = 0;
  private lastTimestamp: { readonly second: number; readonly text: string } | undefined;
  private readonly opts: MemoryKubeOptions;

  constructor(opts: MemoryKubeOptions = {}) {
    this.opts = opts;
    for (const name of SYSTEM_NAMESPACES) this.write(null, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'kube-apiserver');
  }

  async resourceOf(apiVersion: string, kind: string): Promise<KubeResourceInfo | undefined> {
    await this.enter('resourceOf', { apiVersion, kind, name: '*' }, false);
    const info = this.kindInfo(apiVersion, kind);
    return info ? { resource: info.resource, namespaced: info.namespaced } : undefined;
  }

  async apply(obj: KubeObject, fieldManager: string): Promise<KubeObject> {
    const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
    const ref = refOfObject(copy);
    await this.enter('apply', ref, true);
    return this.write(ref, copy, fieldManager);
  }

  async get(ref: KubeObjectRef): Promise<KubeObject | undefined> {
    await this.enter('get', ref, false);
    const info = this.lookup(ref, 'get');
    const stored = info && this.objectsByKind.get(kindKey(ref.apiVersion, ref.kind))?.get(objectKey(info, ref));
    return stored ? output(stored, ref.apiVersion) : undefined;
  }

  async list(apiVersion: string, kind: string, labelSelector: string): Promise<KubeObject[]> {
    const ref = { apiVersion, kind, name: '*' };
    await this.enter('list', ref, false);
    if (!this.lookup(ref, 'list')) throw refused(ref, 'list', `Failed to fetch resource metadata for ${apiVersion}/${kind}: HTTP-Code: 404`, 404);
    let requirements;
    try {
      requirements = parseLabelSelector(labelSelector);
    } catch (err) {
      throw refused(ref, 'list', (err as Error).message, 400);
    }
    const stored = this.objectsByKind.get(kindKey(apiVersion, kind)) ?? new Map<string, Stored>();
    // In key order (namespace, then name), as etcd lists them.
    return [...stored.keys()]
      .sort()
      .map((k) => output(stored.get(k) as Stored, apiVersion))
      .filter((o) => labelsMatch(requirements, o.metadata['labels'] as Record<string, string> | undefined));
  }

  async delete(ref: KubeObjectRef): Promise<boolean> {
    await this.enter('delete', ref, true);
    const info = this.lookup(ref, 'delete');
    const objects = this.objectsByKind.get(kindKey(ref.apiVersion, ref.kind));
    const key = info && objectKey(info, ref);
    const stored = key !== undefined ? objects?.get(key) : undefined;
    if (!info || !objects || key === undefined || !stored) return false;
    const obj = JSON.parse(stored.json) as Json & KubeObject;
    const isNamespace = kindKey(ref.apiVersion, ref.kind) === CORE_NAMESPACE;
    if (isNamespace && this.opts.controllers === 'instant') {
      // The namespace controller empties it, then its finalizer goes.
      for (const [gk, byName] of this.objectsByKind) {
        for (const k of byName.keys()) if (k.startsWith(`${ref.name}/`)) byName.delete(k);
        if (byName.size === 0) this.objectsByKind.delete(gk);
      }
    } else if (isNamespace || ((obj.metadata['finalizers'] as unknown[] | undefined)?.length ?? 0) > 0) {
      // Finalizers keep it, marked for deletion; for a Namespace, the namespace controller's `kubernetes` in its spec.
      if (obj.metadata['deletionTimestamp'] === undefined) {
        obj.metadata['deletionTimestamp'] = this.now();
        if (isNamespace) obj['status'] = { phase: 'Terminating' };
        else obj.metadata['deletionGracePeriodSeconds'] = 0;
        obj.metadata['resourceVersion'] = String(++this.revision);
        objects.set(key, this.stored(JSON.stringify(obj), stored.owners));
      }
      return true;
    }
    this.remove(ref.apiVersion, ref.kind, key, obj);
    return true;
  }

  /**
   * Replaces the status of an object, as its controller would through the
   * status subresource; a test's back door, not counted as a request.
   * Returns the stored object; refuses (404) when there is none.
   */
  setStatus(ref: KubeObjectRef, status: Readonly<Record<string, unknown>>): KubeObject {
    const info = this.lookup(ref, 'update status');
    const objects = this.objectsByKind.get(kindKey(ref.apiVersion, ref.kind));
    const key = info && objectKey(info, ref);
    const stored = key !== undefined ? objects?.get(key) : undefined;
    if (!objects || key === undefined || !stored) throw refused(ref, 'update status', 'not found', 404);
    const obj = JSON.parse(stored.json) as Json & KubeObject;
    obj['status'] = JSON.parse(JSON.stringify(status)) as unknown;
    obj.metadata['resourceVersion'] = String(++this.revision);
    const next = this.stored(JSON.stringify(obj), stored.owners);
    objects.set(key, next);
    return output(next, ref.apiVersion);
  }

  /** Every stored object (copies), by kind, then namespace and name: for assertions. */
  objects(): KubeObject[] {
    return [...this.objectsByKind.values()].flatMap((byName) => [...byName.keys()].sort().map((k) => output(byName.get(k) as Stored)));
  }

  /** Number of stored objects, the system Namespaces included. */
  get size(): number {
    let n = 0;
    for (const byName of this.objectsByKind.values()) n += byName.size;
    return n;
  }

  private async enter(op: KubeOperation, ref: KubeObjectRef, write: boolean): Promise<void> {
    if (write) this.counters.writes += 1;
    else this.counters.reads += 1;
    if (this.opts.latency) await this.opts.latency(op, ref);
  }

  /** A stored object, its strings shared through the pool when there is one. */
  private stored(json: string, owners: readonly string[]): Stored {
    const pool = this.opts.strings;
    return pool ? new Stored(pool.intern(json), owners.map((o) => pool.intern(o))) : new Stored(json, owners);
  }

  private now(): string {
    const ms = this.opts.clock ? this.opts.clock.now() : Date.now();
    // Timestamps have second resolution; one apply asks several times within the same second.
    const second = Math.floor(ms / 1000);
    if (this.lastTimestamp?.second !== second) this.lastTimestamp = { second, text: timestamp(ms) };
    return this.lastTimestamp.text;
  }

  private kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
    return this.crds?.get(apiVersion)?.get(kind) ?? BUILTIN_KINDS.get(apiVersion)?.get(kind);
  }

  /**
   * The kind of `ref`; undefined when its group/version is not served at all
   * (the real adapter answers get and delete as not found then). A served
   * group/version without the kind is refused without a status, as the real
   * adapter's discovery reports it.
   */
  private lookup(ref: KubeObjectRef, operation: string): KindInfo | undefined {
    const info = this.kindInfo(ref.apiVersion, ref.kind);
    if (info) return info;
    if (BUILTIN_KINDS.has(ref.apiVersion) || this.crds?.has(ref.apiVersion)) {
      throw refused(ref, operation, `the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    }
    return undefined;
  }

  /** Server-side apply of `obj` (the caller's own copy); `ref` null for the server's own objects. */
  private write(ref: KubeObjectRef | null, obj: KubeObject, manager: string): KubeObject {
    const at = ref ?? refOfObject(obj);
    const info = this.lookup(at, 'apply');
    if (!info) throw refused(at, 'apply', `Failed to fetch resource metadata for ${at.apiVersion}/${at.kind}: HTTP-Code: 404`, 404);
    const group = groupOf(obj.apiVersion);
    const isCrd = group === 'apiextensions.k8s.io' && info.kind === 'CustomResourceDefinition';
    const problem = invalidity(obj, info) ?? (isCrd ? crdInvalidity(obj) : undefined);
    if (problem) throw refused(at, 'apply', problem, 422);
    const key = objectKey(info, at);
    const gk = kindKey(obj.apiVersion, obj.kind);
    const existing = this.objectsByKind.get(gk)?.get(key);
    if (info.namespaced) this.checkNamespace(at, info, key.slice(0, key.indexOf('/')), existing !== undefined);

    const name = obj.metadata.name;
    const namespace = info.namespaced ? { namespace: key.slice(0, key.indexOf('/')) } : {};
    const live: Json = existing ? (JSON.parse(existing.json) as Json) : { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, ...namespace } };
    const before = existing ? generationView(live, info) : undefined;
    const { object, owners } = serverSideApply(live, configOf(obj, group, info), manager, existing?.owners ?? []);
    serverFields(object, group, info, !existing);
    const metadata = object['metadata'] as Json;
    const specChanged = before !== generationView(object, info);
    if (info.generation) metadata['generation'] = existing ? (metadata['generation'] as number) + (specChanged ? 1 : 0) : 1;
    if (specChanged && isCrd) establish(object, this.now());
    const status = specChanged && this.opts.controllers === 'instant' ? instantStatus(group, object, this.now()) : undefined;
    if (status) object['status'] = status;

    // `object` is this request's own (stored as JSON only): the answer, in the version asked for.
    const result = object as KubeObject;
    const answer = (): KubeObject => withManagers(Object.assign(result, { apiVersion: obj.apiVersion }), owners);
    if (existing && JSON.stringify(object) === existing.json && sameStrings(owners, existing.owners)) return answer();
    if (metadata['deletionTimestamp'] !== undefined && !((metadata['finalizers'] as unknown[] | undefined)?.length ?? 0) && gk !== CORE_NAMESPACE) {
      // Its last finalizer is gone: the deletion it waited for completes.
      this.remove(obj.apiVersion, obj.kind, key, result);
      return answer();
    }
    metadata['resourceVersion'] = String(++this.revision);
    if (!existing) {
      // Unique in this cluster and deterministic, so that seeded simulations replay exactly.
      metadata['uid'] = `00000000-0000-4000-8000-${this.revision.toString(16).padStart(12, '0')}`;
      metadata['creationTimestamp'] = this.now();
    }
    const byName = this.objectsByKind.get(gk) ?? new Map<string, Stored>();
    byName.set(key, this.stored(JSON.stringify(object), owners));
    this.objectsByKind.set(gk, byName);
    if (isCrd) this.register(object);
    return answer();
  }

  private checkNamespace(ref: KubeObjectRef, info: KindInfo, namespace: string, exists: boolean): void {
    const ns = this.objectsByKind.get(CORE_NAMESPACE)?.get(namespace);
    if (!ns) throw refused(ref, 'apply', `namespaces "${namespace}" not found`, 404);
    // Parsed only when it may be terminating: this check runs on every apply of a namespaced object.
    if (!exists && ns.json.includes('"deletionTimestamp"') && (JSON.parse(ns.json) as KubeObject).metadata['deletionTimestamp'] !== undefined) {
      const reason = `${info.resource} "${ref.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`;
      throw refused(ref, 'apply', reason, 403);
    }
  }

  /** Serves the kinds of a CRD (replacing what it served before). */
  private register(crd: Json): void {
    this.unregister(String((crd['metadata'] as Json)['name']));
    for (const { apiVersion, info } of crdKinds(crd)) {
      this.crds ??= new Map();
      const kinds = this.crds.get(apiVersion) ?? new Map<string, KindInfo>();
      kinds.set(info.kind, info);
      this.crds.set(apiVersion, kinds);
    }
  }

  private unregister(crdName: string): void {
    for (const [apiVersion, kinds] of this.crds ?? []) {
      for (const [kind, info] of kinds) if (info.crd === crdName) kinds.delete(kind);
      if (kinds.size === 0) this.crds?.delete(apiVersion);
    }
  }

  private remove(apiVersion: string, kind: string, key: string, obj: KubeObject): void {
    const gk = kindKey(apiVersion, kind);
    const byName = this.objectsByKind.get(gk);
    byName?.delete(key);
    if (byName?.size === 0) this.objectsByKind.delete(gk);
    if (gk === kindKey('apiextensions.k8s.io/v1', 'CustomResourceDefinition')) {
      // Its custom resources go with it (the API server's own finalizer).
      const spec = (obj as Json)['spec'] as { group?: string; names?: { kind?: string } } | undefined;
      this.unregister(obj.metadata.name);
      this.objectsByKind.delete(`${spec?.group ?? ''}\u0000${spec?.names?.kind ?? ''}`);
    }
  }
}

function kindKey(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}\u0000${kind}`;
}

/** `namespace/name` for namespaced kinds (namespace `default` when absent, as client-node does), else the name. */
function objectKey(info: KindInfo, ref: KubeObjectRef): string {
  return info.namespaced ? `${ref.namespace ?? 'default'}/${ref.name}` : ref.name;
}

function output(stored: Stored, apiVersion?: string): KubeObject {
  const obj = JSON.parse(stored.json) as KubeObject;
  // One stored version serves every version of its kind (no conversion).
  if (apiVersion !== undefined) obj.apiVersion = apiVersion;
  return withManagers(obj, stored.owners);
}

/**
 * `obj` with `metadata.managedFields` naming each manager that owns some
 * field (operation Apply; the field sets themselves are not shown), as the
 * API server returns it on every read.
 */
function withManagers(obj: KubeObject, owners: readonly string[]): KubeObject {
  const managedFields = [];
  for (let i = 0; i < owners.length; i += 2) managedFields.push({ manager: owners[i], operation: 'Apply', apiVersion: obj.apiVersion, fieldsType: 'FieldsV1' });
  if (managedFields.length > 0) obj.metadata['managedFields'] = managedFields;
  return obj;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
