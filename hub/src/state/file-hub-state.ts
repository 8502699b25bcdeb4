import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { clusterSchema } from '@driftless/core';
import { HUB_STATE_FORMAT, type HubStateStore } from './hub-state.js';

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/) as z.ZodType<`sha256:${string}`>;
const stateSchema = z.object({
  format: z.literal(HUB_STATE_FORMAT),
  id: z.string().min(1),
  revision: z.string(),
  compile: z.object({
    clusters: z.record(
      z.string(),
      z.object({
        fingerprint: z.string(),
        digest,
        statefulKey: z.string().regex(/^[0-9a-f]{64}$/).exactOptional(),
        flagNamespaces: z.array(z.string()).exactOptional(),
        overridesKey: z.string().exactOptional(),
      }),
    ),
    clusterFiles: z.record(z.string(), clusterSchema),
    flags: z.object({ commit: z.string(), changes: z.record(z.string(), z.string()) }).exactOptional(),
  }),
  publish: z.object({
    pointers: z.record(z.string(), z.object({ digest, etag: z.string(), generation: z.int().positive(), keyId: z.string(), previews: digest.exactOptional() })),
  }),
});

/**
 * The hub state of one store (`storeKey`, e.g. its URL) as a JSON file under
 * `<cacheDir>/state/`, named by a hash of the key. A missing, unreadable or
 * invalid file loads as no state; saving writes a temporary file and renames it.
 */
export function fileHubStateStore(cacheDir: string, storeKey: string): HubStateStore {
  const file = join(cacheDir, 'state', `${createHash('sha256').update(storeKey).digest('hex').slice(0, 24)}.json`);
  return {
    async load() {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        return undefined;
      }
      const parsed = stateSchema.safeParse(raw);
      return parsed.success ? parsed.data : undefined;
    },
    async save(state) {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(state));
      await rename(tmp, file);
    },
  };
}
