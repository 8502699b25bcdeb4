import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { API_VERSION, canonicalBytes, parseJson, type ObjectStore } from '@driftless/core';
import type { CompileMemo } from './compile.js';
import type { PublishMemo } from './publish.js';

/**
 * What a hub remembers between runs, in its cache directory, for one store: the
 * compile memo and the pointers it wrote. Trusted only while the store's
 * `hub/last-publish.json` carries the same id, i.e. nobody has published to the
 * store since; otherwise the hub starts from scratch (reads every pointer).
 */
export interface HubState {
  readonly format: typeof STATE_FORMAT;
  readonly id: string;
  readonly revision: string;
  readonly compile: CompileMemo;
  readonly publish: PublishMemo;
}

const STATE_FORMAT = 'driftless-hub-state-1';
/** The store's marker of the last publish (an extension of the layout in DESIGN.md). */
export const LAST_PUBLISH_KEY = 'hub/last-publish.json';

function stateFile(cacheDir: string, storeKey: string): string {
  return join(cacheDir, 'state', `${createHash('sha256').update(storeKey).digest('hex').slice(0, 24)}.json`);
}

/** The local state for `storeKey`, if it exists and the store's marker says it is current. */
export async function loadHubState(cacheDir: string, storeKey: string, store: ObjectStore): Promise<HubState | undefined> {
  let state: HubState;
  try {
    state = JSON.parse(await readFile(stateFile(cacheDir, storeKey), 'utf8')) as HubState;
  } catch {
    return undefined;
  }
  if (state.format !== STATE_FORMAT) return undefined;
  const marker = await store.get(LAST_PUBLISH_KEY);
  if (marker.kind !== 'found') return undefined;
  const m = parseJson(marker.body, LAST_PUBLISH_KEY) as { id?: unknown };
  return m.id === state.id ? state : undefined;
}

/**
 * Writes the store's marker, then the local state (atomically): the marker
 * first, so a crash leaves state that is not trusted. When no pointer changed
 * since `unchangedFrom` (the state this run trusted), the marker stays as it
 * is: a compile that changes nothing writes nothing to the store.
 */
export async function saveHubState(
  cacheDir: string,
  storeKey: string,
  store: ObjectStore,
  content: Omit<HubState, 'format' | 'id'>,
  now: () => Date,
  unchangedFrom?: HubState,
): Promise<void> {
  const id = unchangedFrom?.id ?? randomUUID();
  if (!unchangedFrom) {
    const marker = { apiVersion: API_VERSION, kind: 'HubPublish', id, revision: content.revision, publishedAt: now().toISOString() };
    await store.put(LAST_PUBLISH_KEY, canonicalBytes(marker), { contentType: 'application/json' });
  }
  const file = stateFile(cacheDir, storeKey);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ format: STATE_FORMAT, id, ...content }));
  await rename(tmp, file);
}
