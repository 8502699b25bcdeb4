import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FleetBenchResult, RolloutBenchOptions } from '@driftless/bench';
import type { Command } from 'commander';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { durationFlag, helmBinary, integerFlag, kustomizeBinary } from './options.js';

interface FleetFlags {
  clusters: string;
  interval: string;
  jitter: string;
  commits: string;
  mode: string;
  seed: string;
  apps: string;
  steady: string;
  out?: string;
  json?: boolean;
  virtual?: boolean;
  kustomize?: string;
  workers?: string;
  rollout?: boolean;
  breach?: boolean;
  killSwitch?: boolean;
  previews?: boolean;
  hosts?: string;
  step: string;
  dashboard?: boolean;
  s3?: boolean;
}

/** `driftless bench`: the fleet benchmark; `bench hub` and `bench agent` measure one component each. */
export function registerBenchCommands(program: Command, io: CliIo): void {
  const bench = program
    .command('bench')
    .description(
      'the fleet benchmark: N simulated clusters running the real agent code against real MinIO and a real git server (or, with --mode git, each pulling Git itself); the hub compiles real commits. Measures per-cluster convergence after each commit, and requests at the git server and the store. Results are recorded in bench/RESULTS.md.',
    )
    .option('--clusters <n>', 'simulated clusters', '1000')
    .option('--interval <duration>', 'poll interval of every cluster', '30s')
    .option('--jitter <fraction>', 'each pause is the interval times a uniform factor in [1 - jitter, 1 + jitter]', '0.5')
    .option('--commits <k>', 'measured commits after the fleet converged on the first one', '3')
    .option('--mode <mode>', 'bundle (agents poll pointers in the store), git (every cluster fetches the repository itself) or both (bundle, then git, each in a fresh environment; --json prints {bundle, git})', 'bundle')
    .option('--seed <s>', 'seed of every random choice (jitter, start offsets, the latency model)', '1')
    .option('--apps <n>', 'apps in the generated fleet (4 objects each)', '5')
    .option('--steady <intervals>', 'intervals of steady state measured before the first commit', '2')
    .option('--out <dir>', 'also write <dir>/<mode>.json and <dir>/chart.svg (convergence CDF, requests per second; both modes when both were run into the same dir)')
    .option('--json', 'print one JSON document with the results')
    .option(
      '--virtual',
      'virtual clock, in-memory store with a latency model and in-memory repository instead of real servers (bundle mode): the real agent and hub code, the hub on the main thread and the clusters in --workers threads, to plan past one machine. The fleet is plain manifests, as in every bench run: no kustomize process runs outside virtual time',
    )
    .option(
      '--workers <n>',
      'worker threads for the simulated clusters, so they do not share an event loop with the hub and the git server. Real time: 0 runs them on one thread with the hub; default 1. With --virtual (the fleet bench and --rollout): the shards of the fleet, each thread with its own heap, moving in lockstep virtual time; the results do not depend on it; default os.availableParallelism() (the JSON says how many ran: workers). --breach, --kill-switch and --previews run virtual time on one thread',
    )
    .option('--kustomize <path>', 'kustomize binary (default: as for hub compile)')
    .option(
      '--rollout',
      'the rollout bench instead: the real hub compiles with spec.delivery (3 rings: ring label 0, ring label 1, the rest 25% at a time; soak one interval; continuous deployment) and the real rollout controller steps every --step over the simulated clusters; reports the time from commit to each ring fully applied, the steps from a failing status to the halt, and each step\'s wall time and store requests. Real time on MinIO (the clusters in --workers threads, the failing one beside the controller), or with --virtual on the virtual clock (the clusters in --workers shards, the controller on the main thread); --out writes <dir>/rollout.json and <dir>/rollout.md',
    )
    .option('--step <duration>', 'with --rollout: between rollout steps, as hub serve steps', '5s')
    .option(
      '--breach',
      "with --rollout: the metric-gate scenario instead (cheaper: the fleet comes up without a rollout): a release of ring-0 under an error-rate check (max 0.02, for 3 steps, onFailure: revert) read from a simulated Prometheus; a tenth of ring-0 starts breaching once the ring applied it. Reports the time from the breach to the halt (goal: for plus one step) and from the halt to 99% of the reverted clusters back on their last good bundle (goal: one interval plus 2s); --out writes <dir>/breach.json and <dir>/breach.md",
    )
    .option(
      '--kill-switch',
      "the kill-switch scenario instead (bundle mode; --virtual or real time on MinIO): the fleet comes up with a kill-switch flag file (flags/checkout-kill.yaml, on; in app-01's namespace, on every cluster), is frozen, then the hub's flag set turns it off on every cluster. Reports flag set's own time (run's clock and wall), and from flag set to each cluster reporting the overridden bundle applied: p50, p99 (goal: one interval plus 2s), max; --out writes <dir>/kill-switch.json and <dir>/kill-switch.md",
    )
    .option(
      '--previews',
      "the preview-environments scenario instead (issue 16; --virtual only: the rig has no git server to push to): the fleet's fleet.yaml previews app-01 on --hosts clusters; the real hub runs in hub serve's loop (poll 10s: one branch listing, compile, the preview cycle); once the fleet is up, feature/bench is pushed, then deleted, each at a seeded instant within a poll. Reports per host push to the preview Applied and delete to its namespace gone: p50, p99, max against the goal (one hub poll plus one interval x (1 + jitter)), MET or MISSED; --out writes <dir>/previews.json and <dir>/previews.md",
    )
    .option(
      '--dashboard',
      "the dashboard scenario instead (issue 17): seeds a store with --clusters clusters (default 10000 here) mid-release, serves the dashboard over it on a local http server and builds the first fleet summary as hub serve does at start (timed), then loads the fleet overview in Chromium: once in a fresh browser, then 5 times more, each from navigation start to the overview's paint mark; also the store requests of one refresh after one status changed. Prints the report with the goal (first meaningful paint <= 2 s at 10,000 clusters) MET or MISS; --json prints it as JSON; --out DIR also writes DIR/dashboard.json and DIR/dashboard-overview.png (the first load, as drawn)",
    )
    .option('--s3', 'with --dashboard: seed the local MinIO (started for the run) instead of a file: store')
    .option('--hosts <n>', 'with --previews: clusters labelled as preview hosts, spread over the fleet (default: min(--clusters, 10))')
    .addHelpText(
      'after',
      '\nProgress goes to stderr. Examples:\n' +
        '  driftless bench --clusters 10000 --interval 30s --commits 3 --json\n' +
        '  driftless bench --clusters 1000 --mode both --out bench-out\n' +
        '  driftless bench --virtual --clusters 100000\n' +
        '  driftless bench --rollout --virtual --clusters 10000 --out bench-out\n' +
        '  driftless bench --rollout --breach --virtual --clusters 10000 --out bench-out\n' +
        '  driftless bench --kill-switch --virtual --clusters 10000 --out bench-out\n' +
        '  driftless bench --previews --virtual --clusters 1000 --hosts 10 --interval 30s --jitter 0.5\n' +
        '  driftless bench --dashboard --clusters 10000',
    )
    .exitOverride()
    .action(async (flags: FleetFlags, command: Command) => {
      if (flags.s3 && !flags.dashboard) throw new UsageError('--s3 is an option of --dashboard: pass --dashboard too');
      if (flags.dashboard) {
        await runDashboard(io, flags, command.getOptionValueSource('clusters') === 'default');
        return;
      }
      if (flags.mode !== 'bundle' && flags.mode !== 'git' && flags.mode !== 'both') throw new UsageError(`--mode ${JSON.stringify(flags.mode)} must be bundle, git or both`);
      const mode: 'bundle' | 'git' | 'both' = flags.mode;
      const jitter = Number(flags.jitter);
      if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new UsageError(`--jitter ${JSON.stringify(flags.jitter)} must be a number from 0 to 1`);
      if (flags.virtual && mode !== 'bundle') throw new UsageError('--virtual simulates bundle mode only: git mode needs the real git server');
      const intervalMs = durationFlag('--interval', flags.interval);
      if (intervalMs < 100) throw new UsageError(`--interval ${flags.interval} must be at least 100ms`);
      if (flags.breach && !flags.rollout) throw new UsageError('--breach is a scenario of the rollout bench: pass --rollout too');
      if (flags.hosts !== undefined && !flags.previews) throw new UsageError('--hosts is an option of --previews: pass --previews too');
      if (flags.previews) {
        await runPreviews(io, flags, intervalMs, jitter);
        return;
      }
      if (flags.killSwitch) {
        if (flags.rollout) throw new UsageError('--kill-switch is a scenario of its own: leave out --rollout');
        if (mode !== 'bundle') throw new UsageError('--kill-switch runs bundle mode only: flag set moves pointers in the store');
        await runKillSwitch(io, flags, intervalMs, jitter);
        return;
      }
      if (flags.rollout) {
        if (mode !== 'bundle') throw new UsageError('--rollout runs bundle mode only: rollouts move pointers in the store');
        await runRollout(io, flags, intervalMs, jitter);
        return;
      }
      await runFleet(io, flags, mode, intervalMs, jitter);
    });
  bench
    .command('hub')
    .description('compile + publish a synthetic fleet served by a real git server into a file: store, then recompile after a commit that changes one app used by 10% of clusters')
    .option('--clusters <n>', 'clusters in the synthetic fleet', '10000')
    .option('--apps <n>', 'apps in the synthetic fleet', '20')
    .option('--kustomize <path>', 'kustomize binary (default: as for hub compile)')
    .option('--helm <path>', 'helm binary (default: as for hub compile)')
    .option(
      '--helm-app <source>',
      'the Helm compile-cost bench (issue 15): one more app, web (Deployment, Service, ConfigMap), on every cluster, as a Helm chart (chart) or as plain YAML giving the same objects (plain); reports helm runs per compile and a digest of all bundles, equal for both. Run each in its own process: peak RSS is per process',
    )
    .option('--helm-values <n>', "with --helm-app: the chart's distinct value sets, 1 to 3, chosen by the env label (one target each)", '3')
    .option('--json', 'print one JSON document with the timings')
    .addHelpText('after', '\nExamples:\n  driftless bench hub --clusters 10000 --json\n  driftless bench hub --clusters 10000 --helm-app chart --json && driftless bench hub --clusters 10000 --helm-app plain --json')
    .action(async (flags: { clusters: string; apps: string; kustomize?: string; helm?: string; helmApp?: string; helmValues: string; json?: boolean }) => {
      const clusters = integerFlag('--clusters', flags.clusters, 1);
      const apps = integerFlag('--apps', flags.apps, 2);
      if (flags.helmApp !== undefined && flags.helmApp !== 'chart' && flags.helmApp !== 'plain') throw new UsageError(`--helm-app ${JSON.stringify(flags.helmApp)} must be chart or plain`);
      const values = integerFlag('--helm-values', flags.helmValues, 1);
      if (values > 3) throw new UsageError(`--helm-values ${flags.helmValues} must be from 1 to 3 (one value set per env: prod, staging, the rest)`);
      const { runHubBench } = await import('@driftless/bench');
      const result = await runHubBench({
        clusters,
        apps,
        kustomizeBinary: await kustomizeBinary(flags.kustomize),
        helmBinary: await helmBinary(flags.helm),
        ...(flags.helmApp === 'chart' || flags.helmApp === 'plain' ? { helmApp: { values, source: flags.helmApp } } : {}),
        log: (l) => io.stderr(`${l}\n`),
      });
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

  bench
    .command('agent-poll')
    .description("CPU per idle poll of one real agent against MinIO started for the run (pointer unchanged: each poll a conditional GET answered 304), whole passes and the GET alone")
    .option('--polls <n>', 'idle polls to measure', '500')
    .option('--objects <n>', 'objects in the bundle (drift-checked each pass against an in-memory cluster)', '20')
    .option('--cpu-prof <file>', 'write a CPU profile (.cpuprofile) of the idle window')
    .option('--json', 'print one JSON document with the figures')
    .action(async (flags: { polls: string; objects: string; cpuProf?: string; json?: boolean }) => {
      const polls = integerFlag('--polls', flags.polls, 1);
      const objects = integerFlag('--objects', flags.objects, 1);
      const { measureAgentPoll } = await import('@driftless/bench');
      const result = await measureAgentPoll({ polls, objects, ...(flags.cpuProf ? { profile: resolve(flags.cpuProf) } : {}), log: (l) => io.stderr(`${l}\n`) });
      io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
    });

  bench
    .command('agent-memory')
    .description("the agent's peak memory holding one bundle, each point in a fresh process: N ConfigMaps (in-memory store and cluster; first apply, then a drift pass), or with --real the real agent against MinIO and a kube-apiserver started for the run with a realistic mix")
    .option('--objects <n>', 'objects in the bundle', '5000')
    .option('--payload-bytes <n>', 'data in each ConfigMap, bytes (poorly compressible; not with --real)', '1500')
    .option('--real', 'run the agent as `driftless agent` does (s3:// store on MinIO, a real kube-apiserver) on Deployments, Services, ConfigMaps and a few large ConfigMaps')
    .option('--bytes <n>', 'with --real: the bundle\'s decompressed size to aim for, bytes', String(8 * 1024 * 1024 - 64 * 1024))
    .option('--idle-passes <n>', 'with --real: passes with the pointer unchanged after the drift pass (steady state)', '5')
    .option('--json', 'print one JSON document with the figures')
    .action(async (flags: { objects: string; payloadBytes: string; real?: boolean; bytes: string; idlePasses: string; json?: boolean }) => {
      const objects = integerFlag('--objects', flags.objects, 1);
      const payloadBytes = integerFlag('--payload-bytes', flags.payloadBytes, 0);
      const targetBytes = integerFlag('--bytes', flags.bytes, 0);
      const bench = await import('@driftless/bench');
      const result = flags.real
        ? await bench.measureRealAgentMemoryPoint({ objects, targetBytes, idlePasses: integerFlag('--idle-passes', flags.idlePasses, 0), log: (l) => io.stderr(`${l}\n`) })
        : await bench.measureAgentMemoryPoint(objects, payloadBytes);
      io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
    });
}

/** `driftless bench --rollout` (see runRolloutBench). */
async function runRollout(io: CliIo, flags: FleetFlags, intervalMs: number, jitter: number): Promise<void> {
  const stepMs = durationFlag('--step', flags.step);
  if (stepMs < 100) throw new UsageError(`--step ${flags.step} must be at least 100ms`);
  const opts = {
    clusters: integerFlag('--clusters', flags.clusters, 10),
    intervalMs,
    jitter,
    stepMs,
    seed: integerFlag('--seed', flags.seed, 0),
    apps: integerFlag('--apps', flags.apps, 3),
    ...(flags.workers !== undefined || !flags.virtual ? { workers: integerFlag('--workers', flags.workers ?? '1', flags.virtual ? 1 : 0) } : {}),
    virtual: flags.virtual ?? false,
    log: (l: string) => io.stderr(`${l}\n`),
  };
  if (flags.breach) {
    await runBreach(io, flags, opts);
    return;
  }
  const { runRolloutBench, writeRolloutReport } = await import('@driftless/bench');
  const report = await runRolloutBench(opts);
  if (flags.out) {
    const written = await writeRolloutReport(flags.out, report);
    io.stderr(`bench: wrote ${written.json} and ${written.markdown}\n`);
  }
  const { stepSamples: _samples, startedAt: _s, durationMs: _d, machine: _m, ...result } = report;
  io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

/** `driftless bench --rollout --breach` (see runBreachBench). */
async function runBreach(io: CliIo, flags: FleetFlags, opts: RolloutBenchOptions): Promise<void> {
  const { runBreachBench, writeBreachReport } = await import('@driftless/bench');
  const report = await runBreachBench(opts);
  if (flags.out) {
    const written = await writeBreachReport(flags.out, report);
    io.stderr(`bench: wrote ${written.json} and ${written.markdown}\n`);
  }
  const { stepSamples: _samples, startedAt: _s, durationMs: _d, machine: _m, ...result } = report;
  io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

/** `driftless bench --kill-switch` (see runKillSwitchBench). */
async function runKillSwitch(io: CliIo, flags: FleetFlags, intervalMs: number, jitter: number): Promise<void> {
  const opts = {
    clusters: integerFlag('--clusters', flags.clusters, 1),
    intervalMs,
    jitter,
    seed: integerFlag('--seed', flags.seed, 0),
    apps: integerFlag('--apps', flags.apps, 2),
    workers: integerFlag('--workers', flags.workers ?? '1', 0),
    virtual: flags.virtual ?? false,
    log: (l: string) => io.stderr(`${l}\n`),
  };
  const { runKillSwitchBench, writeKillSwitchReport } = await import('@driftless/bench');
  const report = await runKillSwitchBench(opts);
  if (flags.out) {
    const written = await writeKillSwitchReport(flags.out, report);
    io.stderr(`bench: wrote ${written.json} and ${written.markdown}\n`);
  }
  const { startedAt: _s, durationMs: _d, machine: _m, ...result } = report;
  io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

/** `driftless bench --previews` (see runPreviewsBench). */
async function runPreviews(io: CliIo, flags: FleetFlags, intervalMs: number, jitter: number): Promise<void> {
  if (flags.rollout) throw new UsageError('--previews is a scenario of its own: leave out --rollout');
  if (flags.killSwitch) throw new UsageError('--previews is a scenario of its own: leave out --kill-switch');
  if (!flags.virtual) throw new UsageError('--previews runs with --virtual only: the real rig has no git server to push a branch to');
  if (flags.mode !== 'bundle') throw new UsageError('--previews runs bundle mode only: the hub moves the hosts\' pointers in the store');
  const clusters = integerFlag('--clusters', flags.clusters, 1);
  const hosts = flags.hosts === undefined ? Math.min(clusters, 10) : integerFlag('--hosts', flags.hosts, 1);
  if (hosts > clusters) throw new UsageError(`--hosts ${hosts} must be at most --clusters (${clusters})`);
  const opts = {
    clusters,
    hosts,
    intervalMs,
    jitter,
    seed: integerFlag('--seed', flags.seed, 0),
    apps: integerFlag('--apps', flags.apps, 2),
    log: (l: string) => io.stderr(`${l}\n`),
  };
  const { runPreviewsBench, writePreviewsReport } = await import('@driftless/bench');
  const report = await runPreviewsBench(opts);
  if (flags.out) {
    const written = await writePreviewsReport(flags.out, report);
    io.stderr(`bench: wrote ${written.json} and ${written.markdown}\n`);
  }
  const met = (f: { met: boolean }): string => (f.met ? 'MET' : 'MISSED');
  io.stderr(`bench: push to preview Applied ${met(report.pushToApplied)}, branch deleted to namespace gone ${met(report.deleteToGone)} (goal ${report.pushToApplied.goalMs} ms)\n`);
  const { startedAt: _s, durationMs: _d, machine: _m, ...result } = report;
  io.stdout(flags.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

/** `driftless bench --dashboard` (see runDashboardBench): --clusters defaults to the goal's 10,000 here. */
async function runDashboard(io: CliIo, flags: FleetFlags, defaultClusters: boolean): Promise<void> {
  if (flags.rollout || flags.killSwitch || flags.previews || flags.virtual) throw new UsageError('--dashboard is a scenario of its own: leave out --rollout, --kill-switch, --previews and --virtual');
  const { runDashboardBench, formatDashboardReport, PAINT_GOAL_CLUSTERS } = await import('@driftless/bench');
  const clusters = defaultClusters ? PAINT_GOAL_CLUSTERS : integerFlag('--clusters', flags.clusters, 1);
  const out = flags.out === undefined ? undefined : resolve(flags.out);
  if (out !== undefined) await mkdir(out, { recursive: true });
  const screenshot = out === undefined ? undefined : join(out, 'dashboard-overview.png');
  const report = await runDashboardBench({ clusters, s3: flags.s3 ?? false, ...(screenshot ? { screenshotPath: screenshot } : {}), log: (l: string) => io.stderr(`${l}\n`) });
  if (out !== undefined) {
    await writeFile(join(out, 'dashboard.json'), `${JSON.stringify(report, null, 2)}\n`);
    io.stderr(`bench: wrote ${join(out, 'dashboard.json')} and ${screenshot ?? ''}\n`);
  }
  io.stdout(flags.json ? `${JSON.stringify(report)}\n` : `${formatDashboardReport(report)}\n`);
}

/** The fleet benchmark (`driftless bench [--mode bundle|git|both]`): the JSON document on stdout, each mode's cost line on stderr. */
async function runFleet(io: CliIo, flags: FleetFlags, mode: 'bundle' | 'git' | 'both', intervalMs: number, jitter: number): Promise<void> {
  const opts = {
    clusters: integerFlag('--clusters', flags.clusters, 1),
    intervalMs,
    jitter,
    commits: integerFlag('--commits', flags.commits, 0),
    seed: integerFlag('--seed', flags.seed, 0),
    apps: integerFlag('--apps', flags.apps, 2),
    steadyIntervals: integerFlag('--steady', flags.steady, 1),
    ...(flags.workers !== undefined || !flags.virtual ? { workers: integerFlag('--workers', flags.workers ?? '1', flags.virtual ? 1 : 0) } : {}),
    virtual: flags.virtual ?? false,
    log: (l: string) => io.stderr(`${l}\n`),
    ...(flags.virtual ? {} : { kustomizeBinary: await kustomizeBinary(flags.kustomize) }),
  };
  const { runFleetBench, writeFleetReport, formatCostLine } = await import('@driftless/bench');
  const results: Partial<Record<'bundle' | 'git', FleetBenchResult>> = {};
  // --mode both: bundle mode, then git mode on the same flags, each in its own environment.
  for (const m of mode === 'both' ? (['bundle', 'git'] as const) : [mode]) {
    const { result, report } = await runFleetBench({ ...opts, mode: m });
    if (flags.out) {
      const written = await writeFleetReport(flags.out, report);
      io.stderr(`bench: wrote ${written.json} and ${written.chart}\n`);
    }
    io.stderr(`bench: ${m} mode ${formatCostLine(result.cost)}\n`);
    results[m] = result;
  }
  const doc = mode === 'both' ? results : results[mode];
  io.stdout(flags.json ? `${JSON.stringify(doc)}\n` : `${JSON.stringify(doc, null, 2)}\n`);
}
