import {
  API_VERSION,
  canonicalBytes,
  currentRolloutSchema,
  DriftlessError,
  parseJsonDocument,
  rolloutSchema,
  storeLayout,
  type CurrentRollout,
  type ObjectStore,
  type Rollout,
} from '@driftless/core';

/** A document as read, with the ETag its compare-and-swap write must name. */
export interface Versioned<T> {
  readonly doc: T;
  readonly etag: string;
}

/** How often a compare-and-swap writer re-reads and decides again before giving up with RolloutConflict. */
export const ROLLOUT_CAS_ATTEMPTS = 8;

/** The largest rollout document read, bytes: 10,000 clusters take about 3 MB. */
const MAX_ROLLOUT_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = { contentType: 'application/json' } as const;

/** `rollouts/current.json` as read; undefined when no rollout was ever started. */
export async function readCurrentRollout(store: ObjectStore): Promise<Versioned<CurrentRollout> | undefined> {
  const key = storeLayout.currentRollout;
  const got = await store.get(key);
  if (got.kind !== 'found') return undefined;
  return { doc: parseJsonDocument(currentRolloutSchema, got.body, `current rollout ${key}`), etag: got.etag };
}

/**
 * The rollout document this process read or wrote last, with its ETag: a
 * reader that passes it reads an unchanged document with a conditional GET
 * (304) instead of downloading and validating megabytes again (10,000
 * clusters are about 3 MB). Whoever holds it must never mutate `last.doc`.
 */
export interface RolloutCache {
  last?: Versioned<Rollout>;
}

/** `rollouts/<id>.json` as read and validated; undefined when it does not exist. With `cache`, an unchanged document is not read again. */
export async function readRollout(store: ObjectStore, id: string, cache?: RolloutCache): Promise<Versioned<Rollout> | undefined> {
  const key = storeLayout.rollout(id);
  const cached = cache?.last?.doc.id === id ? cache.last : undefined;
  const got = await store.get(key, { maxBytes: MAX_ROLLOUT_BYTES, ...(cached ? { ifNoneMatch: cached.etag } : {}) });
  if (got.kind === 'not-modified' && cached) return cached;
  if (got.kind !== 'found') return undefined;
  const read = { doc: parseJsonDocument(rolloutSchema, got.body, `rollout ${key}`), etag: got.etag };
  if (cache) cache.last = read;
  return read;
}

/** The rollout `rollouts/current.json` names, or undefined when there is none. A current.json naming a missing rollout is a broken invariant. */
export async function readCurrentRolloutDocument(store: ObjectStore, cache?: RolloutCache): Promise<Versioned<Rollout> | undefined> {
  const current = await readCurrentRollout(store);
  if (!current) return undefined;
  const rollout = await readRollout(store, current.doc.id, cache);
  if (rollout) return rollout;
  throw new DriftlessError('Internal', `rollout ${storeLayout.rollout(current.doc.id)} read failed: ${storeLayout.currentRollout} names it but it does not exist`, { invariant: 'current rollout exists' });
}

/**
 * Writes `rollout` if its ETag is still `etag`: the new ETag, or undefined
 * when another writer changed it first. Plain JSON, not re-validated: the
 * document is the state machine's output (its tests hold it to the schema)
 * and every reader validates it; at 10,000 clusters validating and
 * canonicalizing it again cost most of a step.
 */
export async function casRollout(store: ObjectStore, rollout: Rollout, etag: string, cache?: RolloutCache): Promise<string | undefined> {
  const res = await store.put(storeLayout.rollout(rollout.id), new TextEncoder().encode(JSON.stringify(stored(rollout))), { ...JSON_TYPE, ifMatch: etag });
  if (res.kind !== 'written') return undefined;
  if (cache) cache.last = { doc: rollout, etag: res.etag };
  return res.etag;
}

/** Writes a new rollout document put-if-absent: its ETag, or undefined when one with its id exists already. */
export async function createRolloutDocument(store: ObjectStore, rollout: Rollout): Promise<string | undefined> {
  const res = await store.putIfAbsent(storeLayout.rollout(rollout.id), canonicalBytes(stored(rolloutSchema.parse(rollout))), JSON_TYPE);
  return res.kind === 'created' ? res.etag : undefined;
}

/**
 * The rollout as written: a plan without metric checks leaves `plan.checks`
 * out (the schema reads it back as []), so a hub of the release before
 * metric checks can still read rollouts that use none (README, Upgrading).
 */
function stored(rollout: Rollout): Rollout | Omit<Rollout, 'plan'> & { plan: Omit<Rollout['plan'], 'checks'> } {
  if (rollout.plan.checks.length > 0) return rollout;
  const { checks: _none, ...plan } = rollout.plan;
  return { ...rollout, plan };
}

/**
 * Points `rollouts/current.json` at `rollout`, compare-and-swap on `etag` as
 * read (undefined: there was none): false when another writer changed it first.
 */
export async function casCurrentRollout(store: ObjectStore, rollout: Pick<Rollout, 'id' | 'revision'>, etag: string | undefined): Promise<boolean> {
  const doc: CurrentRollout = { apiVersion: API_VERSION, kind: 'CurrentRollout', id: rollout.id, revision: rollout.revision };
  const body = canonicalBytes(doc);
  const res = etag === undefined ? await store.putIfAbsent(storeLayout.currentRollout, body, JSON_TYPE) : await store.put(storeLayout.currentRollout, body, { ...JSON_TYPE, ifMatch: etag });
  return res.kind === 'written' || res.kind === 'created';
}


/** The transient RolloutConflict after every compare-and-swap attempt on `id` lost. */
export function rolloutConflict(id: string): DriftlessError<'RolloutConflict'> {
  return new DriftlessError(
    'RolloutConflict',
    `rollout ${storeLayout.rollout(id)} write failed: it changed under this writer ${ROLLOUT_CAS_ATTEMPTS} times (another hub or rollout step is writing it); try again`,
    { rollout: id },
  );
}
