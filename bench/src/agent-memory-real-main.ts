import { writeHeapSnapshot } from 'node:v8';
import type { BundleLimits } from '@driftless/core';
import { createKubeTarget, loadKubeConfig } from '@driftless/kube';
import { openStore } from '@driftless/store';
import type { RealAgentMeasure } from './agent-memory-real.js';
import { benchAgent } from './agent-process.js';

// The measured process of measureRealAgentMemoryPoint: `STORE_URL KUBECONFIG LIMITS [IDLE_PASSES]`, the store's
// credentials in the AWS variables; the agent built as `driftless agent` builds it; one JSON line on stdout.
const [storeUrl = '', kubeconfig = '', limitsJson = '{}', idleArg = '5'] = process.argv.slice(2);
const idlePasses = Number(idleArg);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mib = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;

const kube = createKubeTarget(loadKubeConfig(kubeconfig));
const opened = await openStore(storeUrl, process.env, process.cwd());
const agent = benchAgent(opened.store, kube, 'mem', JSON.parse(limitsJson) as BundleLimits);

// The heap's peak is sampled: a pass is mostly awaiting the API server, so the sampler runs between its steps.
let peakHeap = 0;
const sample = (): void => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const sampler = setInterval(sample, 5);
sampler.unref();

const pass = async (): Promise<{ phase: string; ms: number; writes: number; reads: number }> => {
  const start = { ...kube.counters, at: performance.now() };
  const result = await agent.runOnce();
  sample();
  if (result.phase === 'Failed' || result.phase === 'Unknown') throw new Error(`agent memory bench: a pass ended ${result.phase}: ${result.error ?? ''}`);
  return { phase: result.phase, ms: Math.round(performance.now() - start.at), writes: kube.counters.writes - start.writes, reads: kube.counters.reads - start.reads };
};

gc();
const baseline = process.memoryUsage();
const first = await pass();
const firstPassPeakRss = process.resourceUsage().maxRSS * 1024;
const drift = await pass();
// Steady state: the passes of an agent whose pointer does not move (a 304, then the drift check), as it runs between commits.
const steadyRss: number[] = [];
for (let i = 0; i < idlePasses; i++) {
  await pass();
  steadyRss.push(process.memoryUsage().rss);
}
clearInterval(sampler);
const steady = process.memoryUsage();
// What the steady state holds, for a heap snapshot viewer (DevTools) or a summariser: written where the variable says.
const snapshotPath = process.env['DRIFTLESS_BENCH_HEAP_SNAPSHOT'];
if (snapshotPath) writeHeapSnapshot(snapshotPath);
gc();
const after = process.memoryUsage();
opened.close();
const out: RealAgentMeasure = {
  peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
  baselineRssMiB: mib(baseline.rss),
  firstPassPeakRssMiB: mib(firstPassPeakRss),
  steadyRssMiB: steadyRss.map(mib),
  steadyHeapMiB: mib(steady.heapUsed),
  peakHeapMiB: mib(peakHeap),
  retainedHeapMiB: mib(after.heapUsed),
  retainedRssMiB: mib(after.rss),
  firstPass: { phase: first.phase, ms: first.ms, writes: first.writes },
  driftPass: drift,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
