import { execFile } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEnvironment } from '@driftless/testkit';
import { minioEnv, publishAgentBundle } from './agent-publish.js';
import { realisticBundle } from './realistic-bundle.js';

/** CPU and wall time per idle poll, as the measured agent process reports them (see agent-poll-main.ts). */
export interface AgentPollMeasure {
  readonly polls: number;
  /** Whole idle passes (`runOnce`: the 304, then the drift check of the in-memory cluster, then status when due), ms per pass. */
  readonly pass: { readonly cpuMsPerPoll: number; readonly wallMsPerPoll: number; readonly statusWrites: number };
  /** The pointer's conditional GET alone (answered 304), ms per request. */
  readonly conditionalGet: { readonly cpuMsPerPoll: number; readonly wallMsPerPoll: number };
}

/** One run of {@link measureAgentPoll}: the figures, the bundle's size, and the machine and its load. */
export interface AgentPollResult extends AgentPollMeasure {
  readonly objects: number;
  /** Where the idle window's CPU profile was written, when asked for. */
  readonly profile?: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGB: number; readonly node: string };
  /** 1-minute load average before and after (the machine may be shared). */
  readonly loadAverage: { readonly before: number; readonly after: number };
}

/**
 * CPU per idle poll of one real agent: starts MinIO (testkit), publishes a
 * signed pointer to a {@link realisticBundle} of `objects` objects, then runs
 * the agent in a fresh Node process with the store `driftless agent` opens
 * (s3://, the AWS variables) and an in-memory cluster, so that the figure is
 * the agent's and its S3 client's, not an API server's: a first pass, 20
 * warm-up passes, then `polls` idle passes (each a conditional GET answered
 * 304), then `polls` bare conditional GETs. With `profile` (a .cpuprofile
 * path) the idle window is CPU-profiled.
 */
export async function measureAgentPoll(opts: { polls: number; objects: number; profile?: string; log?: (line: string) => void }): Promise<AgentPollResult> {
  const log = opts.log ?? (() => undefined);
  const before = loadavg()[0] ?? 0;
  const objects = realisticBundle(opts.objects, 0);
  const env = await startEnvironment({ log });
  try {
    const prefix = 'agent-poll';
    await publishAgentBundle(env.info, prefix, 'poll', objects, { maxCompressedBytes: 2 ** 31, maxDecompressedBytes: 2 ** 31, maxObjects: objects.length });
    log(`bench: ${objects.length} objects published; ${opts.polls} idle polls`);
    const entry = fileURLToPath(new URL('./agent-poll-main.js', import.meta.url));
    const args = [entry, `s3://${env.info.s3.bucket}/${prefix}`, 'poll', String(opts.polls), ...(opts.profile ? [opts.profile] : [])];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20, env: { ...process.env, ...minioEnv(env.info) } });
    const measured = JSON.parse(stdout) as AgentPollMeasure;
    const cpu = cpus();
    return {
      ...measured,
      objects: objects.length,
      ...(opts.profile ? { profile: opts.profile } : {}),
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
      loadAverage: { before: Math.round(before * 100) / 100, after: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    };
  } finally {
    await env.stop();
  }
}
