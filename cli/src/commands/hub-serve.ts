import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { DashboardAuth } from '@driftless/hub';
import { openStore } from '@driftless/store';
import { UsageError } from '../errors.js';
import type { CliIo } from '../main.js';
import { nodeHub, positiveDuration } from './hub-api.js';
import { signingKeyFlag } from './options.js';
import { PROMETHEUS_ENV_HELP, PROMETHEUS_HELP, prometheusSource } from './prometheus-flag.js';
import { cliRolloutController } from './rollout.js';
import { listenForStop } from './stop-signals.js';

interface ServeFlags {
  repo: string;
  ref?: string;
  store: string;
  poll: string;
  stepInterval: string;
  listen: string;
  lease: string;
  signKey?: string;
  pointerTtl?: string;
  webhookSecretFile?: string;
  cacheDir?: string;
  kustomize?: string;
  helm?: string;
  prometheus?: string;
  tokens?: string;
  trustHeader?: string;
  anonymousRead?: boolean;
}

const HELP = `
Only one replica acts at a time: replicas share a lease in the store (hub/lease.json:
{holder, renewedAt, expiresAt, term, released?}, written compare-and-swap). The holder renews
it every third of --lease and stops acting (aborting the compile or step under way) once it
has not renewed for two thirds of --lease. A standby takes over when the lease has not changed
for a whole --lease as timed on its own clock (no replica trusts another's clock), or at once
when the holder released it: SIGTERM/SIGINT abort the actions, wait for them a third of
--lease at most, and write released: true.

The active replica:
  - lists the repository's branches every --poll (one ref listing, no fetch) and compiles and
    publishes the ref's commit when it changed, as \`hub compile\` does (one fetch); then runs
    the preview cycle with that listing, as \`hub compile --previews\` does: new and changed
    branches that spec.previews matches are built, deleted, merged and expired ones removed
    (without spec.previews, previews left are removed; with none left, the preview
    listing and one record are all it reads); a failing cycle shows in /healthz as
    lastPreviews {ok: false, error} and is retried at the next poll;
  - polls at once on POST /hooks/push. With --webhook-secret-file, the request must carry
    GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the body) or GitLab's X-Gitlab-Token; a
    bad or missing one is answered 401 and triggers nothing. Without it any POST triggers
    a poll (it reads nothing from the request);
  - steps the current rollout every --step-interval, as \`driftless rollout step\` does (with
    --sign-key, signing the pointers it moves and its audit entries; actor hub); a step that
    fails shows in /healthz as lastStep {ok: false, error};
  - with --sign-key, re-signs pointers that expire within a third of --pointer-ttl
    (checked every sixth of it, at most hourly), as \`hub resign\` does.
A failing action is logged and retried at its next interval, then with doubling waits (up to
5 min) while it keeps failing; nothing stops the loop. GET /healthz answers 200 with
{identity, active, holder, lastCompile, lastStep, lastResign, lastPreviews}. Logs are JSON lines on stderr.
DRIFTLESS_GIT_TOKEN authenticates to the remote as for \`hub compile\`. Exit codes: 0 stopped by
a signal, 1 runtime failure at start (the listen address in use), 2 invalid flags or files.

The dashboard (a web UI and its JSON API) is served on --listen too: open http://HOST:PORT/
(#token=TOKEN in the address hands the UI a token). Its API, under /api/v1:
  GET  whoami, fleet (?selector=&ring=&phase=; ETag), clusters (?…&limit=&continue=),
       clusters/NAME, rollouts, rollouts/current, rollouts/ID, flags, previews,
       audit (?actor=&action=&subject=&since=&limit=), audit/export (JSON lines)
  POST freeze, unfreeze, rollouts/current/approve {ring}, rollouts/current/halt,
       rollouts/current/resume, flags/NAME {variant, selector?}, flags/NAME/clear
Every POST takes a JSON body with a non-empty reason (Content-Type: application/json, else
415; a cross-site Origin is 403) and is recorded in the audit log with the user as the actor.
A user is who the bearer token names (--tokens FILE: one USER:SHA256_HEX_OF_TOKEN per line,
\`printf '%s' "$TOKEN" | sha256sum\`, # comments allowed; the file holds no token), or the
--trust-header an auth proxy sets (e.g. X-Forwarded-User from oauth2-proxy: only when the
proxy alone can reach the hub). A request without a user is answered 401; GETs are answered
without one only with --anonymous-read. No GET changes anything. Without --tokens,
--trust-header and --anonymous-read the API refuses everyone (the startup line says so).

${PROMETHEUS_ENV_HELP} hub serve: a compile of such a fleet
fails (logged, retried) and so does each step of such a rollout, shown in /healthz.`;

/** `driftless hub serve`: the hub as a long-running, replicated service. */
export function registerHubServe(hub: Command, io: CliIo): void {
  hub
    .command('serve')
    .description('poll the fleet repository, compile new commits, step rollouts and re-sign pointers, one active replica at a time')
    .requiredOption('--repo <url|dir>', 'fleet repository: http(s) URL (smart HTTP), or a local working tree or bare repository')
    .option('--ref <ref>', 'branch or tag (default: the remote default branch, or HEAD of a local repository)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .option('--poll <duration>', 'how often to list the repository\'s refs', '30s')
    .option('--step-interval <duration>', 'how often to step rollouts', '5s')
    .option('--listen <host:port>', 'address of GET /healthz and POST /hooks/push (0.0.0.0:8080 in a container)', '127.0.0.1:8080')
    .option('--lease <duration>', 'how long the lease lasts without renewal', '30s')
    .option('--sign-key <file>', 'sign pointers with this Ed25519 private key (PEM), and re-sign them before they expire')
    .option('--pointer-ttl <duration>', 'with --sign-key: pointers expire this long after they are (re-)signed (default 7d)')
    .option('--webhook-secret-file <file>', 'the push webhook\'s secret (trailing newline ignored)')
    .option('--cache-dir <dir>', 'where remote repositories are cloned (default: $DRIFTLESS_CACHE/hub or ~/.cache/driftless/hub)')
    .option('--kustomize <path>', 'kustomize binary (default: $DRIFTLESS_KUSTOMIZE, the one npm run setup built, or kustomize on PATH)')
    .option('--helm <path>', 'helm binary, which renders Helm chart apps (default: $DRIFTLESS_HELM, the one npm run setup built, or helm on PATH)')
    .option('--prometheus <url>', PROMETHEUS_HELP)
    .option('--tokens <file>', 'the dashboard\'s users: USER:SHA256_HEX_OF_TOKEN per line (a bad line is exit 2 naming FILE:LINE)')
    .option('--trust-header <name>', 'take the dashboard user from this request header, set by an auth proxy (e.g. X-Forwarded-User)')
    .option('--anonymous-read', 'answer the dashboard\'s GETs without credentials (changes still need a user)')
    .addHelpText('after', HELP)
    .action(async (flags: ServeFlags) => {
      const pollMs = positiveDuration('--poll', flags.poll);
      const stepMs = positiveDuration('--step-interval', flags.stepInterval);
      const leaseMs = positiveDuration('--lease', flags.lease);
      const listen = listenFlag(flags.listen);
      const ttlMs = flags.pointerTtl === undefined ? undefined : positiveDuration('--pointer-ttl', flags.pointerTtl);
      if (ttlMs !== undefined && !flags.signKey) throw new UsageError('--pointer-ttl needs --sign-key: only signed pointers carry an expiry');
      const signingKey = flags.signKey === undefined ? undefined : await signingKeyFlag(flags.signKey);
      const metrics = await prometheusSource(flags.prometheus);
      const webhookSecret = flags.webhookSecretFile === undefined ? undefined : await secretFile(flags.webhookSecretFile);
      const auth = await dashboardAuthFlags(flags);
      const [{ createDashboard, createHubServer, hubHttpListener, resignPointers, DEFAULT_POINTER_TTL_MS }, { systemClock }] = await Promise.all([
        import('@driftless/hub'),
        import('@driftless/clock'),
      ]);
      const stop = listenForStop();
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const { hub: hubApi, source } = await nodeHub(opened, {
          ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
          ...(flags.kustomize ? { kustomize: flags.kustomize } : {}),
          ...(flags.helm ? { helm: flags.helm } : {}),
          ...(signingKey ? { signingKey } : {}),
          ...(ttlMs !== undefined ? { pointerTtlMs: ttlMs } : {}),
          ...(metrics ? { metrics } : {}),
        });
        const pointerTtlMs = ttlMs ?? DEFAULT_POINTER_TTL_MS;
        const log = (event: Record<string, unknown>): void => io.stderr(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
        // One controller for the process: its status observer keeps each status's ETag between steps.
        const rollouts = await cliRolloutController({
          store: opened.store,
          clock: systemClock,
          log,
          ...(signingKey ? { signingKey } : {}),
          ...(ttlMs !== undefined ? { pointerTtlMs: ttlMs } : {}),
          ...(metrics ? { metrics } : {}),
        });
        // The action's signal reaches the metric reads: a replica that lost its lease stops querying at once.
        const step = async (signal: AbortSignal): Promise<void> => {
          const report = await rollouts.controller.step(signal);
          const { wavesOpened, ringPhases } = rollouts.takeStepEvents();
          if (report.changed || report.moved > 0 || report.reverted > 0) log({ level: 'info', msg: 'rollout stepped', ...report, wavesOpened, ringPhases });
        };
        const server = createHubServer({
          store: opened.store,
          clock: systemClock,
          source,
          repo: flags.repo,
          ...(flags.ref ? { ref: flags.ref } : {}),
          identity: process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
          pollMs,
          stepMs,
          leaseMs,
          log,
          // The signal ends with the lease term or on stop: an action not yet begun is not begun.
          compile: (target, signal) => (signal.throwIfAborted(), hubApi.compile({ repo: target.repo, ...(target.ref ? { ref: target.ref } : {}), allowMassPrune: false, allowPlainSecrets: false, allowRollback: false })),
          // Always given: a fleet without spec.previews costs the preview listing and one record read per poll.
          previews: async (listing, signal) => {
            signal.throwIfAborted();
            const report = await hubApi.previews({ repo: flags.repo, ...(flags.ref ? { ref: flags.ref } : {}), listing });
            if (report?.previews.some((p) => p.action !== 'unchanged')) log({ level: 'info', msg: 'previews changed', ...report });
          },
          step: (signal) => (signal.throwIfAborted(), step(signal)),
          ...(signingKey
            ? {
                resign: (signal: AbortSignal) => (signal.throwIfAborted(), resignPointers({ store: opened.store, signingKey, clock: systemClock, ttlMs: pointerTtlMs, withinMs: pointerTtlMs / 3, log })),
                resignMs: Math.min(pointerTtlMs / 6, 3_600_000),
              }
            : {}),
        });
        // A new term: another replica may have moved host pointers while this one stood by.
        server.events.on('lease', ({ active }) => {
          if (active) hubApi.forgetPreviews();
        });
        const dashboard = createDashboard({
          store: opened.store,
          clock: systemClock,
          auth,
          rollouts: rollouts.controller,
          log,
          ...(signingKey ? { signingKey } : {}),
          pointerTtlMs,
        });
        const http = createServer(hubHttpListener(server, webhookSecret, dashboard));
        http.listen(listen.port, listen.host);
        await Promise.race([once(http, 'listening'), once(http, 'error').then(([err]) => Promise.reject(err as Error))]);
        const address = http.address() as AddressInfo;
        server.start();
        // Build the fleet summary now, not on the first page load: at 10,000 clusters the first build reads every document.
        dashboard.fleet.snapshot().catch((err: unknown) => log({ level: 'warn', msg: `dashboard fleet summary failed: ${(err as Error).message}` }));
        io.stdout(`hub serve: listening on ${address.address}:${address.port}; polling ${flags.repo} every ${flags.poll}; dashboard at ${dashboardUrl(address)}${refusesEveryone(auth) ? ' (its API refuses everyone: pass --tokens, --trust-header or --anonymous-read)' : ''}\n`);
        await stop.requested;
        http.close();
        await server.stop();
        io.stdout('hub serve: stopped, lease released\n');
      } finally {
        opened.close();
      }
    });
}

/** The dashboard's auth from --tokens, --trust-header and --anonymous-read; exit 2 naming FILE:LINE for a bad tokens file. */
async function dashboardAuthFlags(flags: ServeFlags): Promise<DashboardAuth> {
  const { readTokensFile } = await import('@driftless/hub');
  const tokens = flags.tokens === undefined ? new Map<string, string>() : await readTokensFile(flags.tokens).catch((err: unknown) => {
    throw new UsageError(`--tokens ${(err as Error).message}`);
  });
  const header = flags.trustHeader?.trim();
  if (header !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new UsageError(`--trust-header "${flags.trustHeader ?? ''}" must be an HTTP header name, e.g. X-Forwarded-User`);
  return { tokens, ...(header ? { trustHeader: header.toLowerCase() } : {}), ...(flags.anonymousRead ? { anonymousRead: true } : {}) };
}

function refusesEveryone(auth: DashboardAuth): boolean {
  return auth.tokens.size === 0 && auth.trustHeader === undefined && !auth.anonymousRead;
}

/** The address to open the dashboard at: a wildcard listen address is reached through localhost. */
function dashboardUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/`;
}

/** `HOST:PORT` (or `:PORT`, all interfaces); exit 2 naming the flag otherwise. */
function listenFlag(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--listen "${value}" must be HOST:PORT, e.g. 127.0.0.1:8080`);
  return { host: value.slice(0, i).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
}

/** The webhook secret in `path`, without a trailing newline; exit 2 naming the flag when unreadable or empty. */
async function secretFile(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new UsageError(`--webhook-secret-file ${path}: ${(err as Error).message}`);
  });
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`--webhook-secret-file ${path}: the file is empty`);
  return secret;
}
