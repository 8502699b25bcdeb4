import { classifyError, DriftlessError, isDriftlessError, PointerVerifier, STATUS_MAX_BYTES, parseJsonDocument, statusSchema, storeLayout, type KubeObject, type KubeTarget, type ObjectStore, type Pointer } from '@driftless/core';
import type { ResolvedConfig } from './agent-config.js';
import { APPLYSET, type ApplySetParentRef } from './reconcile/applyset.js';
import type { LogEvent } from './summarize.js';

/**
 * The ConfigMap, beside the inventory's parent, in which the agent records the
 * pointer it accepted last (`data.accepted`: `<generation>/<bundle digest>`).
 * Nothing else writes it, and prune never touches it (it is no ApplySet
 * member): deleting the parent does not take the replay floor with it.
 */
export const FLOOR_CONFIGMAP = 'driftless-replay-floor';

/** A generation older pointers are refused below, with the bundle accepted at it (when known) and where it was found. */
export interface ReplayFloor {
  readonly generation: number;
  readonly bundle: string | undefined;
  readonly source: string;
}

/**
 * The agent's replay memory: the verifier (without keys in insecure mode), which
 * remembers every pointer it accepted; whether no record of a floor survived
 * (`unknown`: the first pointer must then show the cluster was never managed,
 * see checkFreshCluster); what the floor ConfigMap holds; and whether another
 * agent of the cluster was found to have recorded a higher floor since it was
 * loaded (`superseded`: the memory, and the agent's state, are out of date and
 * must be reloaded from the records). `unknown`, `recorded` and `superseded`
 * are updated in place by the steps that learn them.
 */
export interface ReplayMemory {
  readonly verifier: PointerVerifier | undefined;
  readonly floor: ReplayFloor | undefined;
  unknown: boolean;
  recorded: string | undefined;
  superseded: boolean;
}

/** The agent's replay memory, loaded once and kept until forgotten (see replayLoader). */
export interface ReplayLoader {
  /** The memory, read from every record of the floor on first use after creation or {@link ReplayLoader.forget}; a failed read throws (tried again on the next call). */
  load(): Promise<ReplayMemory>;
  /** The memory loaded, without reading anything; undefined before the first load and after forget. */
  current(): ReplayMemory | undefined;
  /**
   * Drops the memory, so the next load reads every record again: called when
   * another agent of the cluster may have accepted pointers meanwhile (this
   * pod regained the lease, or found a higher floor recorded).
   */
  forget(): void;
}

/** `<generation>/<bundle>`: how the parent annotation and the floor ConfigMap record an accepted pointer. */
export function acceptedValue(pointer: Pick<Pointer, 'generation' | 'bundle'>): string {
  return `${pointer.generation}/${pointer.bundle}`;
}

/** The annotation the inventory's parent carries for the pointer last accepted. */
export function acceptedAnnotation(pointer: Pointer | undefined): Readonly<Record<string, string>> {
  return pointer ? { [APPLYSET.accepted]: acceptedValue(pointer) } : {};
}

/** The floor ConfigMap recording `pointer` as accepted. */
export function floorObject(parent: ApplySetParentRef, cluster: string, pointer: Pointer): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: FLOOR_CONFIGMAP, namespace: parent.namespace, labels: { 'app.kubernetes.io/managed-by': 'driftless' } },
    data: { cluster, accepted: acceptedValue(pointer) },
  };
}

/** What a loader reads: the cluster, the store and the configuration; `log` hears of a record it could not read (see fromStatus). */
export interface ReplayDeps {
  readonly kube: KubeTarget;
  readonly store: ObjectStore;
  readonly config: Pick<ResolvedConfig, 'cluster' | 'parent' | 'verifyKeys' | 'insecure' | 'replayFloor'>;
  readonly log?: ((event: LogEvent) => void) | undefined;
}

/**
 * A loader of the agent's replay memory: on first use it takes the floor as
 * the highest of every record that survives (the parent's annotation, the
 * floor ConfigMap, the agent's own last status.json in the store, and the
 * operator's `replayFloor`), so deleting any one of them does not let an older
 * pointer in. Later loads give the same memory until it is forgotten.
 */
export function replayLoader(deps: ReplayDeps): ReplayLoader {
  let memory: ReplayMemory | undefined;
  return {
    async load() {
      if (memory) return memory;
      const { config } = deps;
      const [annotated, recorded, reported] = await Promise.all([fromParent(deps), readFloorObject(deps), fromStatus(deps)]);
      const operator = config.replayFloor !== undefined ? { generation: config.replayFloor, bundle: undefined, source: '--replay-floor' } : undefined;
      const floor = highest([annotated, recorded.floor, reported, operator]);
      const seed = floor ? [[config.cluster, floor.generation, floor.bundle] as const] : [];
      const verifier = config.insecure ? PointerVerifier.unsigned(seed) : new PointerVerifier(config.verifyKeys, seed);
      memory = { verifier, floor, unknown: !config.insecure && floor === undefined, recorded: recorded.value, superseded: false };
      return memory;
    },
    current: () => memory,
    forget() {
      memory = undefined;
    },
  };
}

/**
 * Throws `GenerationReplayed` when `pointer` is below `floor`: an older
 * generation, or another bundle at the same one. `subject` and `operation`
 * name what refuses it.
 */
export function refuseBelow(pointer: Pick<Pointer, 'cluster' | 'generation' | 'bundle'>, floor: ReplayFloor, subject: string, operation: string): void {
  const { cluster, generation, bundle } = pointer;
  const older = generation < floor.generation;
  if (!older && (generation > floor.generation || floor.bundle === undefined || floor.bundle === bundle)) return;
  const why = older ? 'older than' : 'a different pointer at';
  const cause = `generation ${generation} is ${why} the generation ${floor.generation} recorded in ${floor.source} (a replayed pointer, or another agent of cluster ${cluster} leading meanwhile)`;
  throw new DriftlessError('GenerationReplayed', `${subject} ${operation} failed: ${cause}`, { cluster, generation, accepted: floor.generation });
}

/** The highest floor; at equal generations the first that knows its bundle. */
function highest(floors: readonly (ReplayFloor | undefined)[]): ReplayFloor | undefined {
  let best: ReplayFloor | undefined;
  for (const f of floors) {
    if (f && (!best || f.generation > best.generation || (f.generation === best.generation && !best.bundle && f.bundle))) best = f;
  }
  return best;
}

function parseAccepted(value: string | undefined, source: string): ReplayFloor | undefined {
  const m = value ? /^(\d+)\/(sha256:[0-9a-f]{64})$/.exec(value) : null;
  return m?.[1] && m[2] ? { generation: Number(m[1]), bundle: m[2], source } : undefined;
}

async function fromParent({ kube, config }: ReplayDeps): Promise<ReplayFloor | undefined> {
  const { parent } = config;
  const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name });
  const annotations = live?.metadata['annotations'] as Record<string, string> | undefined;
  return parseAccepted(annotations?.[APPLYSET.accepted], `ConfigMap ${parent.namespace}/${parent.name}`);
}

/** What the floor ConfigMap holds now: its value, and the floor it records (undefined when absent or unreadable as one). A failed read throws. */
export async function readFloorObject({ kube, config }: Pick<ReplayDeps, 'kube' | 'config'>): Promise<{ floor: ReplayFloor | undefined; value: string | undefined }> {
  const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: config.parent.namespace, name: FLOOR_CONFIGMAP });
  const value = (live?.['data'] as Record<string, string> | undefined)?.['accepted'];
  return { floor: parseAccepted(value, `ConfigMap ${config.parent.namespace}/${FLOOR_CONFIGMAP}`), value };
}

/**
 * The agent's own last status (read up to the status cap, STATUS_MAX_BYTES): a
 * status that cannot be read as one is no record (it cannot lower the floor
 * either). A status the store refuses to give (a store policy without GET on
 * it) or one over the cap is no record either, and says so in a warning (once
 * per load): that floor source is gone, which nothing else would show.
 */
async function fromStatus({ store, config, log }: ReplayDeps): Promise<ReplayFloor | undefined> {
  const key = storeLayout.status(config.cluster);
  try {
    const got = await store.get(key, { maxBytes: STATUS_MAX_BYTES });
    if (got.kind !== 'found') return undefined;
    const status = parseJsonDocument(statusSchema, got.body, key);
    return status.observedGeneration > 0 ? { generation: status.observedGeneration, bundle: status.appliedBundle, source: key } : undefined;
  } catch (err) {
    if (classifyError(err) === 'transient') throw err;
    if (isDriftlessError(err, 'StoreRefused') || isDriftlessError(err, 'TooLarge')) {
      const why = isDriftlessError(err, 'TooLarge') ? 'it is over the status cap' : 'the store policy must allow GET on it (see agentStorePolicy)';
      log?.({ level: 'warn', msg: 'own status is no replay-floor record', cluster: config.cluster, key, why, error: (err as Error).message });
    }
    return undefined;
  }
}
