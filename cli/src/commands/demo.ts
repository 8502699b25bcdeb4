import type { Command } from 'commander';
import type { Demo } from '../demo/run-demo.js';
import type { CliIo } from '../main.js';
import { createStatusPrinter } from '../demo/status-printer.js';
import { listenForStop } from './stop-signals.js';
import { Interrupted, UsageError } from '../errors.js';
import { dashboardUser } from './actor.js';
import { durationFlag, explicitKustomizeBinary, integerFlag } from './options.js';

interface DemoFlags {
  clusters: string;
  interval: string;
  s3?: boolean;
  exit?: boolean;
  kustomize?: string;
  dashboardPort?: string;
  approveAfter?: string;
}

/** The dashboard's port unless --dashboard-port says otherwise; when it is in use the demo takes a free one. */
const DEFAULT_DASHBOARD_PORT = 8080;

/** `driftless demo` (`npm start`): the whole system on this machine. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'run a local fleet end to end: start the real components (building them first when missing), generate an example fleet repository served by the git server, compile it with the hub into a file: store, run one real agent against the local kube-apiserver plus simulated clusters running the same agent code, then push a commit delivered through three rings (ring-0, ring-1, then ring-2 after an approval: yours in the dashboard, or else the demo approves it itself after --approve-after) by the hub rollout controller, with one live line per ring; the dashboard (its URL printed at the start, signed in as $DRIFTLESS_ACTOR or your user name) shows the fleet and the rollout as it goes; ring-0 is gated by an error-rate check the controller reads from the local Prometheus, which scrapes a test exporter. Stays up until SIGINT/SIGTERM, then cleans up.',
    )
    .option('--clusters <n>', 'clusters in the example fleet: one real, the rest simulated', '300')
    .option('--interval <duration>', 'poll interval of every agent (jitter ±50%)', '5s')
    .option('--s3', 'publish to the local MinIO (s3://driftless/demo) instead of a file: store')
    .option('--exit', 'stop and clean up once the rollout has completed, instead of staying up')
    .option('--dashboard-port <port>', `port of the dashboard on 127.0.0.1; 0 = any free one (default ${DEFAULT_DASHBOARD_PORT}, or a free one when that is in use)`)
    .option('--approve-after <duration>', 'how long ring-2 waits for your approval in the dashboard before the demo approves it itself; 0 = at once (default 60s, with --exit 0)')
    .option('--kustomize <path>', 'kustomize binary (default: $DRIFTLESS_KUSTOMIZE, else the one setup builds into the cache)')
    .exitOverride()
    .action(async (flags: DemoFlags) => {
      const clusters = integerFlag('--clusters', flags.clusters, 1);
      const intervalMs = durationFlag('--interval', flags.interval);
      if (intervalMs < 100) throw new UsageError(`--interval ${flags.interval} must be at least 100ms`);
      const dashboardPort = flags.dashboardPort === undefined ? DEFAULT_DASHBOARD_PORT : integerFlag('--dashboard-port', flags.dashboardPort, 0);
      if (dashboardPort > 65_535) throw new UsageError(`--dashboard-port ${flags.dashboardPort ?? ''} must be at most 65535`);
      const approveAfterMs = flags.approveAfter === undefined ? (flags.exit ? 0 : 60_000) : flags.approveAfter === '0' ? 0 : durationFlag('--approve-after', flags.approveAfter);
      const dashboard = { dashboardPort, dashboardPortFallback: flags.dashboardPort === undefined, user: dashboardUser(), approveAfterMs };
      const stop = listenForStop();
      const { status, log } = createStatusPrinter({ write: io.stderr, tty: process.stderr.isTTY, now: Date.now });
      const { runDemo } = await import('../demo/run-demo.js');
      // Only an explicit binary is resolved here: the built one may not exist until the demo's setup has run.
      const kustomize = explicitKustomizeBinary(flags.kustomize);
      const demo = await runDemo({ clusters, intervalMs, s3: flags.s3 ?? false, ...dashboard, ...(kustomize ? { kustomizeBinary: kustomize } : {}), signal: stop.signal, log, status }).catch(
        (err: unknown) => {
          if (stop.signal.aborted) throw new Interrupted();
          throw err;
        },
      );
      io.stdout(summary(demo, flags.exit ?? false));
      if (!flags.exit && !stop.signal.aborted) {
        const signal = await stop.requested;
        io.stderr(`demo: ${signal} received, stopping\n`);
      }
      await demo.stop();
    });
}

function summary(demo: Omit<Demo, 'stop'>, exiting: boolean): string {
  const env = demo.storeEnv ? `${Object.entries(demo.storeEnv).map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
  const store = `--store ${demo.storeUrl}`;
  return [
    '',
    headline(demo),
    `  dashboard      ${demo.dashboard.url}   (signed in as ${demo.dashboard.user}: the fleet, the rollout, flags, previews, audit log)`,
    `  rollout        ${env}npx driftless rollout status ${store}   (each ring's gates and checks)`,
    `  audit log      ${env}npx driftless audit log ${store}   (who approved ring-2, with the rest of the release's history)`,
    `  kubeconfig     ${demo.kubeconfig}`,
    `                 kubectl --kubeconfig ${demo.kubeconfig} get deploy,svc,cm -A -l applyset.kubernetes.io/part-of`,
    `                 (cluster ${demo.realCluster}; no kubelet runs: the demo marks its Deployments rolled out, as a controller-manager would)`,
    `  status         ${env}npx driftless status ${store}`,
    ...(demo.storeDir ? [`  store          ${demo.storeDir} (blobs/, clusters/<name>/desired.json and status.json, revisions/)`] : []),
    `  fleet repo     git clone ${demo.repoUrl}   (push a change, then: npx driftless hub compile --repo ${demo.repoUrl} ${store} --sign-key ${demo.keys.signingKey} --prometheus ${demo.prometheusUrl},\n                 then npx driftless rollout step ${store} --sign-key ${demo.keys.signingKey} --prometheus ${demo.prometheusUrl} to move it through the rings)`,
    `  prometheus     ${demo.prometheusUrl}   (ring-0's check error-rate reads it; rollout status shows its latest value)`,
    `  keys           pointers are signed with ${demo.keys.signingKey}; agents verify them with --verify-key ${demo.keys.verifyKey}`,
    exiting ? '' : '\nEverything keeps running until Ctrl-C, which stops it all and removes the temporary data.',
    '',
  ].join('\n');
}

/** The first line of the summary: how the rollout ended and how far the fleet got. */
function headline(demo: Omit<Demo, 'stop'>): string {
  const { rollout, converged } = demo;
  const rings = rollout ? ` The release went through ${rollout.rings.join(', ')}.` : '';
  if (rollout?.phase === 'Completed' && converged.applied === converged.total) return `The fleet converged.${rings} Where to look:`;
  const halted = rollout?.halt ? `: halted by ${rollout.halt.actor}: ${rollout.halt.reason}` : '';
  return `The rollout is ${rollout?.phase ?? 'missing'}${halted}; ${converged.applied} of ${converged.total} clusters applied the new revision (see the errors above). Where to look:`;
}
