import { cpus, totalmem } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { reconcile, type ReconcileOutcome } from '@driftless/agent';
import { systemClock } from '@driftless/clock';
import type { Clock, KubeObject } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { startEnvironment } from '@driftless/testkit';

export interface AgentBenchResult {
  readonly objects: number;
  /** First reconcile of the bundle: every object created. */
  readonly firstApply: { readonly ms: number; readonly writes: number; readonly outcome: Omit<ReconcileOutcome, 'notReady' | 'failed' | 'degraded'> };
  /** A pass with nothing to do. */
  readonly noDrift: { readonly ms: number; readonly writes: number; readonly reads: number };
  /** Peak resident memory of this process (the agent code, not the servers), MB. */
  readonly rssMB: number;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGB: number; readonly node: string };
}

const clock: Clock = systemClock;

/** A bundle of `n` objects: a Namespace, and ConfigMaps, Services and Deployments in it. */
function bundleOf(n: number): KubeObject[] {
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }];
  for (let i = 1; i < n; i++) {
    const name = `obj-${String(i).padStart(5, '0')}`;
    const kind = i % 3;
    out.push(
      kind === 0
        ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'bench' }, data: { index: String(i), payload: 'x'.repeat(200) } }
        : kind === 1
          ? { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench' }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } }
          : {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name, namespace: 'bench' },
              spec: {
                replicas: 1,
                selector: { matchLabels: { app: name } },
                template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.example.invalid/app:1' }] } },
              },
            },
    );
  }
  return out;
}

/**
 * Measures the agent's reconcile against a real kube-apiserver started for the
 * run: the first apply of an `objects`-object bundle, then a pass with no drift.
 */
export async function runAgentBench(opts: { objects: number; log?: (line: string) => void }): Promise<AgentBenchResult> {
  const log = opts.log ?? (() => undefined);
  const env = await startEnvironment({ log });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(env.info.kube.kubeconfig);
    const kube = createKubeTarget(kc);
    const deps = { kube, clock, parent: { name: 'driftless-applyset', namespace: 'driftless-system' } };
    const objects = bundleOf(opts.objects);
    let t = performance.now();
    const first = await reconcile(objects, deps);
    const firstMs = Math.round(performance.now() - t);
    const firstWrites = kube.counters.writes;
    log(`bench: first apply of ${opts.objects} objects: ${firstMs} ms, ${firstWrites} writes`);
    const before = { ...kube.counters };
    t = performance.now();
    await reconcile(objects, deps);
    const noDriftMs = Math.round(performance.now() - t);
    log(`bench: no-drift pass: ${noDriftMs} ms, ${kube.counters.writes - before.writes} writes, ${kube.counters.reads - before.reads} reads`);
    const { notReady: _n, failed: _f, degraded: _d, ...outcome } = first;
    const cpu = cpus();
    return {
      objects: opts.objects,
      firstApply: { ms: firstMs, writes: firstWrites, outcome },
      noDrift: { ms: noDriftMs, writes: kube.counters.writes - before.writes, reads: kube.counters.reads - before.reads },
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    };
  } finally {
    await env.stop();
  }
}
