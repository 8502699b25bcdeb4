import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BundleLimits } from '@driftless/core';
import { startEnvironment } from '@driftless/testkit';
import { minioEnv, publishAgentBundle } from './agent-publish.js';
import { realisticBundle } from './realistic-bundle.js';

/** What the measured agent process reports (see agent-memory-real-main.ts). */
export interface RealAgentMeasure {
  /** Peak resident memory of the agent's process over all its passes, MiB. */
  readonly peakRssMiB: number;
  /** Peak resident memory up to the end of the first pass (the one that applies every object), MiB. */
  readonly firstPassPeakRssMiB: number;
  /** Resident memory after each idle pass (pointer unchanged: a 304, then the drift check) that followed the drift pass, MiB. */
  readonly steadyRssMiB: readonly number[];
  /** Heap in use after the last idle pass, before any forced GC, MiB. */
  readonly steadyHeapMiB: number;
  /** Resident memory after all passes and a full GC, MiB. */
  readonly retainedRssMiB: number;
  /** Resident memory before the first pass (Node, client-node, the AWS SDK), MiB. */
  readonly baselineRssMiB: number;
  /** Largest V8 heap in use seen over both passes (sampled every 5 ms and at the end of each pass), MiB. */
  readonly peakHeapMiB: number;
  /** Heap in use after both passes and a full GC, MiB (what the agent keeps between passes). */
  readonly retainedHeapMiB: number;
  readonly firstPass: { readonly phase: string; readonly ms: number; readonly writes: number };
  readonly driftPass: { readonly phase: string; readonly ms: number; readonly writes: number; readonly reads: number };
}

/** One point of the real-cluster mode: the bundle's shape, the agent's figures, and how loaded the machine was. */
export interface RealAgentMemoryPoint extends RealAgentMeasure {
  readonly mode: 'real';
  readonly objects: number;
  readonly kinds: Readonly<Record<string, number>>;
  readonly decompressedBytes: number;
  readonly compressedBytes: number;
  /** The Node flags the agent's process ran with (agent/deploy's, plus DRIFTLESS_BENCH_NODE_OPTIONS). */
  readonly nodeOptions: readonly string[];
  /** 1-minute load average before and after the point (the machine may be shared). */
  readonly loadAverage: { readonly before: number; readonly after: number };
}

/**
 * The Node flags agent/deploy sets (NODE_OPTIONS in deployment.yaml), read
 * from the manifest so that the measured process runs as the deployed agent does.
 */
export async function deployNodeOptions(): Promise<string[]> {
  const manifest = await readFile(fileURLToPath(new URL('../../agent/deploy/deployment.yaml', import.meta.url)), 'utf8');
  const found = /name: NODE_OPTIONS, value: ([^}]+?) \}/.exec(manifest);
  if (!found?.[1]) throw new Error('agent memory bench: agent/deploy/deployment.yaml sets no NODE_OPTIONS');
  return found[1].split(' ').filter(Boolean);
}

/**
 * Measures the real agent on a real cluster: starts MinIO and a
 * kube-apiserver (testkit), publishes a signed pointer to a bundle of
 * {@link realisticBundle}(`objects`, `targetBytes`) into MinIO, then runs the
 * agent in a fresh Node process as `driftless agent` builds it (s3:// store,
 * client-node, system clock): a first pass that applies every object, then a
 * pass that checks every object for drift, then `idlePasses` (default 5)
 * passes with the pointer unchanged (steady state). The limits are lifted to fit the
 * bundle: this measures what a limit should be.
 */
export async function measureRealAgentMemoryPoint(opts: { objects: number; targetBytes: number; idlePasses?: number; log?: (line: string) => void }): Promise<RealAgentMemoryPoint> {
  const log = opts.log ?? (() => undefined);
  const before = loadavg()[0] ?? 0;
  const objects = realisticBundle(opts.objects, opts.targetBytes);
  const limits: BundleLimits = { maxCompressedBytes: 2 ** 31, maxDecompressedBytes: 2 ** 31, maxObjects: objects.length };
  const kinds: Record<string, number> = {};
  for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const env = await startEnvironment({ log });
  try {
    const prefix = 'agent-memory';
    const encoded = await publishAgentBundle(env.info, prefix, 'mem', objects, limits);
    log(`bench: ${objects.length} objects, ${encoded.canonical.byteLength} bytes (${encoded.compressed.byteLength} compressed) published; running the agent`);
    const nodeOptions = [...(await deployNodeOptions()), ...(process.env['DRIFTLESS_BENCH_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean)];
    const entry = fileURLToPath(new URL('./agent-memory-real-main.js', import.meta.url));
    const { s3, kube } = env.info;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', ...nodeOptions, entry, `s3://${s3.bucket}/${prefix}`, kube.kubeconfig, JSON.stringify(limits), String(opts.idlePasses ?? 5)], {
      maxBuffer: 1 << 20,
      env: { ...process.env, ...minioEnv(env.info) },
    });
    const measured = JSON.parse(stdout) as RealAgentMeasure;
    return {
      mode: 'real',
      objects: objects.length,
      kinds,
      decompressedBytes: encoded.canonical.byteLength,
      compressedBytes: encoded.compressed.byteLength,
      ...measured,
      nodeOptions,
      loadAverage: { before: Math.round(before * 100) / 100, after: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    };
  } finally {
    await env.stop();
  }
}
