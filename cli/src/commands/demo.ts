import type { Command } from 'commander';
import type { Demo } from '../demo/run-demo.js';
import type { CliIo } from '../main.js';
import { listenForStop } from './stop-signals.js';
import { Interrupted, UsageError } from '../errors.js';
import { durationFlag, explicitKustomizeBinary, integerFlag } from './options.js';

interface DemoFlags {
  clusters: string;
  interval: string;
  s3?: boolean;
  exit?: boolean;
  kustomize?: string;
}

/** `driftless demo` (`npm start`): the whole system on this machine. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'run a local fleet end to end: start the real components (building them first when missing), generate an example fleet repository served by the git server, compile it with the hub into a file: store, run one real agent against the local kube-apiserver plus simulated clusters running the same agent code, then push a commit and show the fleet converging on it. Stays up until SIGINT/SIGTERM, then cleans up.',
    )
    .option('--clusters <n>', 'clusters in the example fleet: one real, the rest simulated', '300')
    .option('--interval <duration>', 'poll interval of every agent (jitter ±50%)', '5s')
    .option('--s3', 'publish to the local MinIO (s3://driftless/demo) instead of a file: store')
    .option('--exit', 'stop and clean up once the commit has converged, instead of staying up')
    .option('--kustomize <path>', 'kustomize binary (default: $DRIFTLESS_KUSTOMIZE, else the one setup builds into the cache)')
    .exitOverride()
    .action(async (flags: DemoFlags) => {
      const clusters = integerFlag('--clusters', flags.clusters, 1);
      const intervalMs = durationFlag('--interval', flags.interval);
      if (intervalMs < 100) throw new UsageError(`--interval ${flags.interval} must be at least 100ms`);
      const stop = listenForStop();
      const tty = process.stderr.isTTY;
      let shown = '';
      let lastPrinted = 0;
      const status = (line: string): void => {
        if (line === shown) return;
        shown = line;
        if (tty) io.stderr(`\r\x1b[K${line}`);
        else if (Date.now() - lastPrinted >= 2_000 || /^(\d+)\/\1 /.test(line)) {
          lastPrinted = Date.now();
          io.stderr(`${line}\n`);
        }
      };
      const log = (line: string): void => {
        if (tty && shown) io.stderr('\n');
        shown = '';
        io.stderr(`${line}\n`);
      };
      const { runDemo } = await import('../demo/run-demo.js');
      // Only an explicit binary is resolved here: the built one may not exist until the demo's setup has run.
      const kustomize = explicitKustomizeBinary(flags.kustomize);
      const demo = await runDemo({ clusters, intervalMs, s3: flags.s3 ?? false, ...(kustomize ? { kustomizeBinary: kustomize } : {}), signal: stop.signal, log, status }).catch(
        (err: unknown) => {
          if (stop.signal.aborted) throw new Interrupted();
          throw err;
        },
      );
      if (tty) io.stderr('\n');
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
  return [
    '',
    demo.converged.applied === demo.converged.total
      ? 'The fleet converged. Where to look:'
      : `${demo.converged.applied} of ${demo.converged.total} clusters applied the new revision before the deadline (see the errors above). Where to look:`,
    `  kubeconfig     ${demo.kubeconfig}`,
    `                 kubectl --kubeconfig ${demo.kubeconfig} get deploy,svc,cm -A -l applyset.kubernetes.io/part-of`,
    `                 (cluster ${demo.realCluster}; no kubelet runs, so its Deployments stay Progressing)`,
    `  status         ${env}npx driftless status --store ${demo.storeUrl}`,
    ...(demo.storeDir ? [`  store          ${demo.storeDir} (blobs/, clusters/<name>/desired.json and status.json, revisions/)`] : []),
    `  fleet repo     git clone ${demo.repoUrl}   (push a change, then: npx driftless hub compile --repo ${demo.repoUrl} --store ${demo.storeUrl} --sign-key ${demo.keys.signingKey})`,
    `  keys           pointers are signed with ${demo.keys.signingKey}; agents verify them with --verify-key ${demo.keys.verifyKey}`,
    exiting ? '' : '\nEverything keeps running until Ctrl-C, which stops it all and removes the temporary data.',
    '',
  ].join('\n');
}
