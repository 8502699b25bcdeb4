import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { API_VERSION, canonicalBytes, clusterSchema, parseJson, type ObjectStore } from '@driftless/core';
import type { CompileMemo } from './compile.js';
import type { PublishMemo } from './publish.js';

/**
 * What a hub remembers between runs, in its cache directory, for one store: the
 * compile memo and the pointers it wrote. Trusted only while the store's
 * `hub/last-publish.json` carries the same id. Whoever is about to change a
 * pointer first writes a new id there, so a publish by another hub, or one of
 * ours that failed half-way, leaves no state that is trusted.
 */
export interface HubState {
  readonly format: typeof STATE_FORMAT;
  readonly id: string;
  readonly revision: string;
  readonly compile: CompileMemo;
  readonly publish: PublishMemo;
}

const STATE_FORMAT = 'driftless-hub-state-2';
/** The store's marker of the last publish (an extension of the layout in DESIGN.md). */
export const LAST_PUBLISH_KEY = 'hub/last-publish.json';

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/) as z.ZodType<`sha256:${string}`>;
const stateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  id: z.string().min(1),
  revision: z.string(),
  compile: z.object({
    clusters: z.record(z.string(), z.object({ fingerprint: z.string(), digest })),
    clusterFiles: z.record(z.string(), clusterSchema),
  }),
  publish: z.object({
    pointers: z.record(z.string(), z.object({ digest, etag: z.string(), generation: z.int().positive(), keyId: z.string() })),
  }),
});

function stateFile(cacheDir: string, storeKey: string): string {
  return join(cacheDir, 'state', `${createHash('sha256').update(storeKey).digest('hex').slice(0, 24)}.json`);
}

/** The local state for `storeKey`, if it exists, is well-formed, and the store's marker says it is current. */
export async function loadHubState(cacheDir: string, storeKey: string, store: ObjectStore): Promise<HubState | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(stateFile(cacheDir, storeKey), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const marker = await store.get(LAST_PUBLISH_KEY);
  if (marker.kind !== 'found') return undefined;
  const m = parseJson(marker.body, LAST_PUBLISH_KEY) as { id?: unknown };
  return m.id === parsed.data.id ? (parsed.data) : undefined;
}

/** Writes the store's marker of the last publish with `id`. */
export async function writePublishMarker(store: ObjectStore, id: string, revision: string, now: () => Date): Promise<void> {
  const marker = { apiVersion: API_VERSION, kind: 'HubPublish', id, revision, publishedAt: now().toISOString() };
  await store.put(LAST_PUBLISH_KEY, canonicalBytes(marker), { contentType: 'application/json' });
}

/** Writes the local state (atomically) under `id`, which the store's marker must already carry. */
export async function saveHubState(cacheDir: string, storeKey: string, id: string, content: Omit<HubState, 'format' | 'id'>): Promise<void> {
  const file = stateFile(cacheDir, storeKey);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ format: STATE_FORMAT, id, ...content }));
  await rename(tmp, file);
}
