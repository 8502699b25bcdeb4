import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createAgent, type Agent } from '@driftless/agent';
import { API_VERSION, canonicalBytes, decodePointer, seededRng, storeLayout, type AuditAction, type Digest, type KubeTarget, type MetricSource, type ObjectStore, type Pointer } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { MemoryKubeTarget, VirtualClock } from '@driftless/fakes';
import { coreRolloutMachine, createAuditLog, createHub, createRolloutController, nodeHubDeps, type CompileRequest, type RolloutController } from '@driftless/hub';
import { createKubeTarget } from '@driftless/kube';
import { binaryPath, commitFiles, createBareRepo, s3StoreFor } from '@driftless/testkit';
import { afterAll, beforeAll, inject } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';
import { deliveryFleet, type DeliveryFleetShape } from './delivery-fleet.js';

/** When every delivery world's virtual clock starts. */
export const START = Date.UTC(2030, 0, 1);

/**
 * Call at a test file's top level: points the CLI at MinIO (the standard AWS
 * variables) before the file's tests and runs, after them, every cleanup
 * passed to the function it returns (last first).
 */
export function cliOnMinio(): (...cleanups: (() => Promise<void> | void)[]) => void {
  const env = inject('driftlessEnv');
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(() => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: env.s3.endpoint, AWS_REGION: env.s3.region, AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return (...more) => {
    cleanups.push(...more);
  };
}

/**
 * Call at a test file's top level: points the CLI at MinIO (the standard AWS
 * variables) and removes every world's stores and directories after the file.
 */
export function deliveryWorlds() {
  const env = inject('driftlessEnv');
  const cleanup = cliOnMinio();
  /**
   * A fleet repository on the real git server (first commit: `shape`), a store
   * on MinIO, a signing hub (real git, kustomize) and rollout controllers on one
   * virtual clock, simulated agents (the real agent over an in-memory API) and
   * real ones (the real agent applying into the kube-apiserver). With
   * `metrics`, the hub's compile and every controller read the checks of
   * `delivery.checks` from it (what `--prometheus URL` gives them).
   */
  return async function world(shape: DeliveryFleetShape, opts: { readonly metrics?: MetricSource } = {}) {
    const ns = uniqueName('e2e');
    const prefix = uniqueName('delivery');
    const store = s3StoreFor(env, prefix);
    const dir = await mkdtemp(join(tmpdir(), 'driftless-e2e-'));
    cleanup(() => store.destroy(), () => rm(dir, { recursive: true, force: true }));
    const keys = generateKeyPairSync('ed25519');
    const verifyKeyFile = join(dir, 'hub.pub');
    await writeFile(verifyKeyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const signKeyFile = join(dir, 'hub.key');
    await writeFile(signKeyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const bare = await createBareRepo(env.git.root, ns);
    const repo = `${env.git.baseUrl}${ns}.git`;
    const clock = new VirtualClock(START);
    const first = await commitFiles(bare, deliveryFleet(ns, shape), 'first');
    const metrics = opts.metrics ? { metrics: opts.metrics } : {};
    const hub = createHub({ ...nodeHubDeps({ store, clock, cacheDir: join(dir, 'cache'), kustomizeBinary: binaryPath('kustomize'), helmBinary: binaryPath('helm'), gitBackoffMs: 1, signingKey: keys.privateKey }), ...metrics });
    const audit = createAuditLog({ store, clock, signingKey: keys.privateKey });
    const agentOf = (cluster: string, kube: KubeTarget, parent?: { name: string; namespace: string }): Agent =>
      createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster, intervalMs: 1_000, jitter: 0, verifyKeys: [keys.publicKey], ...(parent ? { parent } : {}) } });
    const simulated = new Map<string, Agent>();
    return {
      ns,
      store,
      clock,
      repo,
      first,
      /** The CLI's `--store`, `--verify-key` for the hub's audit entries, `--sign-key` (the hub's private key), and `hub compile --repo … --cache-dir …`. */
      cliFlags: { store: `s3://${env.s3.bucket}/${prefix}`, verifyKey: verifyKeyFile, signKey: signKeyFile, compile: ['--repo', repo, '--store', `s3://${env.s3.bucket}/${prefix}`, '--cache-dir', join(dir, 'cli-cache')] },
      bare,
      /** Commits the fleet with `shape` instead; returns the commit. */
      commit: (next: DeliveryFleetShape, message: string) => commitFiles(bare, deliveryFleet(ns, next), message),
      compile: (req: Omit<CompileRequest, 'repo'> = {}) => hub.compile({ repo, ...req }),
      /** A fresh controller (its own status observer), as one `driftless rollout step` process would have. */
      controller: (): RolloutController => createRolloutController({ store, clock, machine: coreRolloutMachine, audit, newId: () => uniqueName('marker'), signingKey: keys.privateKey, ...metrics }),
      /** One pass of each named cluster's simulated agent (the same agent and in-memory API on every call). */
      async simulate(...clusters: string[]) {
        const out = [];
        for (const c of clusters) {
          const agent = simulated.get(c) ?? agentOf(c, new MemoryKubeTarget({ clock, controllers: 'instant' }));
          simulated.set(c, agent);
          out.push(await agent.runOnce());
        }
        return out;
      },
      /** The real agent of `cluster`, applying into the real kube-apiserver, and a client of that API server. */
      realAgent(cluster: string) {
        const kc = new KubeConfig();
        kc.loadFromFile(env.kube.kubeconfig);
        const kube = createKubeTarget(kc);
        return { agent: agentOf(cluster, kube, { name: 'driftless-applyset', namespace: `${ns}-agent` }), kube };
      },
      /** Writes `cluster`'s status as its agent would after `phase` (Degraded: for the bundle at `generation`). */
      putStatus: (cluster: string, phase: 'Applied' | 'Degraded', bundle: Digest, generation: number, lastError?: string) => putStatus(store, { cluster, phase, bundle, generation, ...(lastError ? { lastError } : {}) }),
      pointer: (cluster: string) => pointerOf(store, cluster),
      /** Each cluster's pointer generation (0 without a pointer). */
      async generations(clusters: readonly string[]) {
        const out: Record<string, number> = {};
        for (const c of clusters) out[c] = (await pointerOf(store, c).catch(() => undefined))?.generation ?? 0;
        return out;
      },
      auditActions: async (): Promise<AuditAction[]> => (await audit.read()).map((e) => e.action),
      audit,
    };
  };
}

/** The world `deliveryWorlds()` makes. */
export type DeliveryWorld = Awaited<ReturnType<ReturnType<typeof deliveryWorlds>>>;

/** Runs the CLI in-process: its exit code and what it printed. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

async function pointerOf(store: ObjectStore, cluster: string): Promise<Pointer> {
  const got = await store.get(storeLayout.pointer(cluster));
  if (got.kind !== 'found') throw new Error(`no pointer for ${cluster}`);
  return decodePointer(got.body, cluster, cluster);
}

async function putStatus(store: ObjectStore, s: { cluster: string; phase: 'Applied' | 'Degraded'; bundle: Digest; generation: number; lastError?: string }): Promise<void> {
  const status = {
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster: s.cluster,
    observedGeneration: s.generation,
    ...(s.phase === 'Applied' ? { appliedBundle: s.bundle } : {}),
    phase: s.phase,
    objects: { total: 2, ready: s.phase === 'Applied' ? 2 : 1, drifted: 0, pruned: 0 },
    ...(s.lastError ? { lastError: s.lastError } : {}),
    agentVersion: 'e2e',
    heartbeatAt: new Date(START).toISOString(),
  };
  await store.put(storeLayout.status(s.cluster), canonicalBytes(status), { contentType: 'application/json' });
}
