import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAgent } from '@driftless/agent';
import { API_VERSION, encodeBundle, seededRng, signPointer, storeLayout, type BundleLimits, type Digest, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { benchSigningKeys } from './fleet/bench-keys.js';

/** One measured bundle: its shape and what holding it cost the agent's process. */
export interface AgentMemoryPoint {
  readonly objects: number;
  readonly decompressedBytes: number;
  readonly compressedBytes: number;
  /** Peak resident memory of the process over two agent passes (first apply, then a pass that checks drift), MiB. */
  readonly peakRssMiB: number;
  /** Resident memory before the first pass (Node, the code and the compressed blob), MiB. */
  readonly baselineRssMiB: number;
  /** Heap retained after both passes and a full GC, over the baseline, MiB (the agent's state and the in-memory cluster's copies). */
  readonly retainedHeapMiB: number;
}

/**
 * A bundle of `objects` ConfigMaps in one Namespace, each carrying
 * `payloadBytes` of data that compresses poorly (as real manifests with
 * certificates, dashboards or scripts in them do), so both the object count
 * and the decompressed size can be pushed to a limit.
 */
export function memoryBenchBundle(objects: number, payloadBytes: number): KubeObject[] {
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mem' } }];
  let x = 1;
  for (let i = 1; i < objects; i++) {
    let payload = '';
    while (payload.length < payloadBytes) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      payload += x.toString(36);
    }
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${String(i).padStart(6, '0')}`, namespace: 'mem', labels: { app: 'mem', index: String(i) } },
      data: { payload: payload.slice(0, payloadBytes) },
    });
  }
  return out;
}

/**
 * Writes the encoded bundle to `file` (its digest first, on one line): done in
 * its own process, so the hub-side encoding does not count in the agent's peak.
 */
export async function writeMemoryBenchBlob(file: string, objects: number, payloadBytes: number, limits: BundleLimits): Promise<{ decompressedBytes: number }> {
  const encoded = encodeBundle(memoryBenchBundle(objects, payloadBytes), limits);
  await writeFile(file, Buffer.concat([Buffer.from(`${encoded.digest}\n`), encoded.compressed]));
  return { decompressedBytes: encoded.canonical.byteLength };
}

/**
 * Runs the real agent (in-memory store and cluster, virtual clock) on the blob
 * in `file`: a first pass that applies every object, then a pass that checks
 * every object for drift. Call in a fresh process started with --expose-gc.
 * The in-memory cluster keeps its own copy of every object, which a real
 * cluster keeps in its API server: the figures are an upper bound.
 */
export async function measureAgentMemory(file: string, limits: BundleLimits): Promise<Omit<AgentMemoryPoint, 'objects' | 'decompressedBytes'>> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const raw = await readFile(file);
  const newline = raw.indexOf(10);
  const digest = raw.subarray(0, newline).toString() as Digest;
  const compressed = new Uint8Array(raw.subarray(newline + 1));
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryObjectStore();
  await store.putIfAbsent(storeLayout.blob(digest), compressed);
  // Signed and verified, as agents run in production.
  const keys = benchSigningKeys(1);
  const pointer = signPointer({ apiVersion: API_VERSION, kind: 'Pointer', cluster: 'mem', bundle: digest, revision: '0'.repeat(40), generation: 1, publishedAt: new Date(clock.now()).toISOString() }, keys.privateKey);
  await store.putIfAbsent(storeLayout.pointer('mem'), new TextEncoder().encode(JSON.stringify(pointer)));
  const kube = new MemoryKubeTarget({ clock });
  const agent = createAgent({
    clock,
    rng: seededRng(1),
    store,
    kube,
    log: () => undefined,
    config: { cluster: 'mem', intervalMs: 30_000, jitter: 0, bundleLimits: limits, verifyKeys: [keys.publicKey] },
  });
  gc();
  const baseline = process.memoryUsage();
  const first = await agent.runOnce();
  if (first.phase !== 'Applied') throw new Error(`agent memory bench: the first pass ended ${first.phase}: ${JSON.stringify(first)}`);
  await agent.runOnce();
  gc();
  const after = process.memoryUsage();
  const mib = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
  return {
    compressedBytes: compressed.byteLength,
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    baselineRssMiB: mib(baseline.rss),
    retainedHeapMiB: mib(after.heapUsed + after.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers),
  };
}

/**
 * Measures one bundle shape: encodes it in one child process and runs the
 * agent on it in another (`node --expose-gc`, plus DRIFTLESS_BENCH_NODE_OPTIONS),
 * so that neither the encoding nor an earlier point counts in the peak.
 * Limits are lifted to fit the bundle: this measures what a limit should be.
 */
export async function measureAgentMemoryPoint(objects: number, payloadBytes: number): Promise<AgentMemoryPoint> {
  const entry = fileURLToPath(new URL('./agent-memory-main.js', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'driftless-agent-memory-'));
  const file = join(dir, 'bundle');
  const limits: BundleLimits = { maxCompressedBytes: 2 ** 31, maxDecompressedBytes: 2 ** 31, maxObjects: objects };
  const options = (process.env['DRIFTLESS_BENCH_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean);
  const run = async (args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, ['--expose-gc', ...options, entry, ...args], { maxBuffer: 1 << 20 })).stdout;
  try {
    const made = JSON.parse(await run(['write', file, String(objects), String(payloadBytes), JSON.stringify(limits)])) as { decompressedBytes: number };
    const measured = JSON.parse(await run(['measure', file, JSON.stringify(limits)])) as Omit<AgentMemoryPoint, 'objects' | 'decompressedBytes'>;
    return { objects, decompressedBytes: made.decompressedBytes, ...measured };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
