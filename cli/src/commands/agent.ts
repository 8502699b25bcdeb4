import type { KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { clusterFlag, collect, durationFlag, integerFlag, verifyKeyFlag } from './options.js';

interface AgentFlags {
  cluster: string;
  store: string;
  kubeconfig?: string;
  interval: string;
  jitter: string;
  once?: boolean;
  verifyKey?: string[];
  insecureSkipVerify?: boolean;
  replayFloor?: string;
  applysetNamespace: string;
  heartbeat: string;
  leaderElect?: boolean;
  metricsAddr?: string;
}

/** `driftless agent`: keep one cluster reconciled to its pointer. */
export function registerAgentCommand(program: Command, io: CliIo): void {
  program
    .command('agent')
    .description("poll this cluster's pointer, fetch and verify its bundle when it changes, and reconcile it with server-side apply, pruning and drift correction")
    .requiredOption('--cluster <name>', 'the cluster name, as in clusters/<name>.yaml of the fleet repository')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX (AWS_ENDPOINT_URL, AWS_REGION, credentials from the environment)')
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)')
    .option('--interval <duration>', 'pause between polls', '30s')
    .option('--jitter <fraction>', 'spread each pause uniformly over interval x [1 - j, 1 + j]', '0.5')
    .option('--once', 'run one full pass and exit: 0 only if the cluster ended Applied')
    .option('--verify-key <file>', 'accept only pointers signed by the private half of this Ed25519 public key (PEM, from driftless keys generate); repeat it while rotating keys: a pointer passes if any key verifies it', collect)
    .option('--insecure-skip-verify', 'run without --verify-key, accepting unsigned pointers: whoever can write the store controls the cluster (announced in the log, the driftless_agent_insecure metric and every status); a pointer older than the one accepted is still refused')
    .option('--replay-floor <generation>', 'refuse pointers older than this generation even where no record of the last accepted one survives (needed only when the agent says so; 0 accepts any)')
    .option('--applyset-namespace <ns>', 'namespace of the inventory (ApplySet parent ConfigMap)', 'driftless-system')
    .option('--heartbeat <duration>', 'write status at least this often even when nothing changed', '5m')
    .option('--metrics-addr <host:port>', 'serve /metrics (Prometheus), /healthz and /readyz here, e.g. 0.0.0.0:8080')
    .option('--leader-elect', 'with several agent pods per cluster: only the holder of a Lease in --applyset-namespace reconciles (identity: $POD_NAME, else the host name)')
    .addHelpText('after', '\nLogs are JSON lines on stderr. Exit codes: 0 stopped by SIGINT/SIGTERM (or --once ended Applied), 1 failure, 2 usage.')
    .action(async (flags: AgentFlags) => {
      clusterFlag('--cluster', flags.cluster);
      const intervalMs = durationFlag('--interval', flags.interval);
      const heartbeatMs = durationFlag('--heartbeat', flags.heartbeat);
      const jitter = Number(flags.jitter);
      if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new UsageError(`--jitter ${JSON.stringify(flags.jitter)} must be a number from 0 to 1`);
      const verifyKeys = await verifyKeyFlags(flags.verifyKey ?? [], flags.insecureSkipVerify === true);
      const replayFloor = flags.replayFloor === undefined ? undefined : integerFlag('--replay-floor', flags.replayFloor, 0);
      // Not client-node (about 70 MiB resident once loaded): @driftless/kube's own loader and plain HTTPS requests.
      const [{ createKubeTarget, leaseLock, loadKubeConfig }, { createAgent, createLeaderElector, prometheusMetrics, startMetricsServer }, { systemClock }] = await Promise.all([
        import('@driftless/kube'),
        import('@driftless/agent'),
        import('@driftless/clock'),
      ]);
      const kc = loadKubeConfig(flags.kubeconfig);
      const opened = await openStore(flags.store, process.env, process.cwd());
      const clock = systemClock;
      const leader = flags.leaderElect
        ? createLeaderElector({
            lock: leaseLock(kc, flags.applysetNamespace, `driftless-agent-${flags.cluster}`),
            clock,
            identity: process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
          })
        : undefined;
      const metrics = prometheusMetrics(flags.cluster, { clock, intervalMs, insecureSkipVerify: verifyKeys.length === 0 });
      const server = flags.metricsAddr ? await startMetricsServer(flags.metricsAddr, metrics) : undefined;
      const agent = createAgent({
        clock,
        metrics,
        ...(leader ? { leader } : {}),
        rng: { next: () => Math.random() },
        store: opened.store,
        kube: createKubeTarget(kc),
        config: {
          cluster: flags.cluster,
          intervalMs,
          jitter,
          heartbeatMs,
          parent: { name: 'driftless-applyset', namespace: flags.applysetNamespace },
          verifyKeys,
          ...(verifyKeys.length === 0 ? { insecureSkipVerify: true } : {}),
          ...(replayFloor !== undefined ? { replayFloor } : {}),
        },
        log: (event) => io.stderr(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`),
      });
      try {
        if (flags.once) {
          const result = await agent.step();
          if (result === 'standby') throw new Error(`cluster ${flags.cluster}: another agent holds the lease`);
          io.stdout(`${JSON.stringify(result)}\n`);
          if (result.phase !== 'Applied') throw new Error(`cluster ${flags.cluster} ended ${result.phase}${result.error ? `: ${result.error}` : ''}`);
          return;
        }
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await agent.run(stop.signal);
      } finally {
        server?.close();
        opened.close();
      }
    });
}



/** The keys of every `--verify-key` file; none only with `--insecure-skip-verify` (exit 2 otherwise, saying how to fix it). */
async function verifyKeyFlags(files: readonly string[], insecure: boolean): Promise<KeyObject[]> {
  if (files.length > 0 && insecure) throw new UsageError('--insecure-skip-verify cannot be combined with --verify-key: drop one of them');
  if (files.length === 0 && !insecure) {
    throw new UsageError(
      'agent refuses to start without --verify-key FILE: pass the hub\'s public key (driftless keys generate writes driftless-signing.pub), or --insecure-skip-verify to accept unsigned pointers from anyone who can write the store',
    );
  }
  return Promise.all(files.map((file) => verifyKeyFlag(file)));
}
