import type { Command } from 'commander';
import type { EnvironmentInfo } from '@driftless/testkit';
import type { CliIo } from '../main.js';
import { listenForStop } from './stop-signals.js';
import { Interrupted } from '../errors.js';

/** `driftless dev up`: the real local environment, until SIGINT or SIGTERM. */
export function registerDevCommands(program: Command, io: CliIo): void {
  const dev = program
    .command('dev')
    .description('local development environment built from real components')
    .exitOverride();
  dev
    .command('up')
    .description(
      'start MinIO (S3), etcd + kube-apiserver, Prometheus (file_sd targets, scraped every second) and a git smart-HTTP server on loopback ports, print their endpoints, and stay up until SIGINT or SIGTERM; then stop every process and remove all temporary data. Builds missing components first (cold: many minutes on 2 cores).',
    )
    .option('--json', 'print one line of JSON with the endpoints once everything is ready')
    .addHelpText(
      'after',
      '\nThe bucket exists, `kubectl --kubeconfig <kubeconfig> get ns` works, and a bare\n' +
        'repository created later at <git.root>/NAME.git is served at <git.baseUrl>NAME.git.',
    )
    .action(async (opts: { json?: boolean }) => {
      // Listen before starting: a signal during a long first build stops the build.
      const stop = listenForStop();
      // Loaded on use: the testkit pulls in the AWS SDK, which other commands do not need.
      const { startEnvironment } = await import('@driftless/testkit');
      const env = await startEnvironment({
        allowPush: true,
        log: (line) => io.stderr(`${line}\n`),
        signal: stop.signal,
      }).catch((err: unknown) => {
        if (stop.signal.aborted) throw new Interrupted();
        throw err;
      });
      io.stdout(opts.json ? `${JSON.stringify(env.info)}\n` : humanSummary(env.info));
      const signal = await stop.requested;
      io.stderr(`dev: ${signal} received, stopping\n`);
      await env.stop();
    });
}

function humanSummary(info: EnvironmentInfo): string {
  const { s3, kube, git, prometheus } = info;
  return [
    'Driftless dev environment is up (Ctrl-C to stop and clean up).',
    '',
    `  S3 (MinIO)      ${s3.endpoint}  bucket ${s3.bucket}  region ${s3.region}`,
    `  kube-apiserver  ${kube.server}`,
    `                  kubeconfig ${kube.kubeconfig}`,
    `                  CA ${kube.caFile}`,
    `  git (HTTP)      ${git.baseUrl}NAME.git serves ${git.root}/NAME.git`,
    `  Prometheus      ${prometheus.url}  scrapes the file_sd targets in ${prometheus.targetsFile}`,
    '',
    'In another shell:',
    `  export AWS_ENDPOINT_URL=${s3.endpoint} AWS_REGION=${s3.region} AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey} KUBECONFIG=${kube.kubeconfig}`,
    '  npx driftless keys generate --out keys   # the hub signs pointers, agents verify them',
    `  npx driftless hub compile --repo ${git.baseUrl}NAME.git --store s3://${s3.bucket}/dev --sign-key keys/driftless-signing.key`,
    `  npx driftless agent --cluster CLUSTER --store s3://${s3.bucket}/dev --verify-key keys/driftless-signing.pub`,
    '',
  ].join('\n');
}
