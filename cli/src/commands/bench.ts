import type { Command } from 'commander';
import type { CliIo } from '../main.js';
import { integerFlag, kustomizeBinary } from './options.js';

/** `driftless bench hub`: measure compile + publish on a synthetic fleet. */
export function registerBenchCommands(program: Command, io: CliIo): void {
  const bench = program.command('bench').description('benchmarks; results are recorded in bench/RESULTS.md').exitOverride();
  bench
    .command('hub')
    .description('compile + publish a synthetic fleet served by a real git server into a file: store, then recompile after a commit that changes one app used by 10% of clusters')
    .option('--clusters <n>', 'clusters in the synthetic fleet', '10000')
    .option('--apps <n>', 'apps in the synthetic fleet', '20')
    .option('--kustomize <path>', 'kustomize binary (default: as for hub compile)')
    .option('--json', 'print one JSON document with the timings')
    .action(async (flags: { clusters: string; apps: string; kustomize?: string; json?: boolean }) => {
      const clusters = integerFlag('--clusters', flags.clusters, 1);
      const apps = integerFlag('--apps', flags.apps, 2);
      const { runHubBench } = await import('@driftless/bench');
      const result = await runHubBench({ clusters, apps, kustomizeBinary: await kustomizeBinary(flags.kustomize), log: (l) => io.stderr(`${l}\n`) });
      io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
    });

  bench
    .command('agent')
    .description('reconcile a bundle of N objects into a real kube-apiserver started for the run: first apply, then a pass with no drift')
    .option('--objects <n>', 'objects in the bundle', '1000')
    .option('--json', 'print one JSON document with the timings')
    .action(async (flags: { objects: string; json?: boolean }) => {
      const objects = integerFlag('--objects', flags.objects, 1);
      const { runAgentBench } = await import('@driftless/bench');
      const result = await runAgentBench({ objects, log: (l) => io.stderr(`${l}\n`) });
      io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
    });
}
