import { spawn } from 'node:child_process';
import { access, chmod, constants, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binaryPath, cacheDir } from './cache.js';
import { COMPONENTS, kubernetesStagingReplaces, type ComponentName, type ComponentSpec } from './components.js';
import { formatDuration, tailOfFile } from '../util/text.js';

/** Options for {@link ensureComponents}. */
export interface InstallOptions {
  /** Cache root; defaults to {@link cacheDir}. */
  readonly root?: string;
  /** Components to ensure; defaults to all. */
  readonly only?: readonly ComponentName[];
  /** Progress lines (no trailing newline). Defaults to stderr. */
  readonly log?: (line: string) => void;
  /** How often a running build reports its elapsed time, in ms. Default 30 000. */
  readonly progressEveryMs?: number;
  /** Environment for `go`; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stops running builds (their `go` processes are killed) and rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /**
   * How a missing component is built into `target` (an executable file when it
   * resolves). Default: with Go, as described on {@link ensureComponents}. Tests
   * of first-run paths inject a cheap stand-in (a link to an already built binary).
   */
  readonly build?: (spec: ComponentSpec, target: string) => Promise<void>;
}

/** Thrown when a component cannot be built; `data.log` is the build log's path. */
export class ComponentBuildError extends Error {
  readonly code = 'ComponentBuildFailed';
  constructor(
    message: string,
    readonly data: { component: ComponentName; version: string; command: string; log: string },
  ) {
    super(message);
    this.name = 'ComponentBuildError';
  }
}

/**
 * Makes sure every pinned component binary exists in the cache, building the
 * missing ones with Go. Idempotent: with everything present it only checks files.
 * Builds run two at a time (downloads overlap compiles on 2 cores); each writes
 * its binary under a temporary name and renames it into place, so an interrupted
 * build never leaves a half-written binary that a later run would trust.
 * Returns the path of each ensured binary.
 */
export async function ensureComponents(opts: InstallOptions = {}): Promise<Record<ComponentName, string>> {
  const root = opts.root ?? cacheDir(opts.env);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const wanted = COMPONENTS.filter((c) => !opts.only || opts.only.includes(c.name));
  const paths = {} as Record<ComponentName, string>;
  const missing: ComponentSpec[] = [];
  for (const spec of wanted) {
    paths[spec.name] = binaryPath(spec.name, root);
    if (await isExecutable(paths[spec.name])) log(`setup: ${spec.name} ${spec.version} present`);
    else missing.push(spec);
  }
  if (missing.length === 0) return paths;
  const { build } = opts;
  if (build) {
    for (const spec of missing) {
      log(`setup: ${spec.name} ${spec.version} building`);
      await mkdir(join(root, 'bin'), { recursive: true });
      await build(spec, paths[spec.name]);
    }
    return paths;
  }
  const goVersion = await localGoVersion(opts.env ?? process.env);
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'logs'), { recursive: true });
  const queue = [...missing];
  const worker = async (): Promise<void> => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      opts.signal?.throwIfAborted();
      await buildOne(spec, root, log, opts.progressEveryMs ?? 30_000, opts.env ?? process.env, goVersion, opts.signal);
    }
  };
  await Promise.all([worker(), worker()]);
  return paths;
}

async function buildOne(
  spec: ComponentSpec,
  root: string,
  log: (line: string) => void,
  progressEveryMs: number,
  baseEnv: NodeJS.ProcessEnv,
  goVersion: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const started = Date.now();
  const target = binaryPath(spec.name, root);
  const logFile = join(root, 'logs', `${spec.name}-${spec.version}.log`);
  log(`setup: ${spec.name} ${spec.version} building (cold: ~${spec.coldMinutes} min on 2 cores; log ${logFile})`);
  const timer = setInterval(() => {
    log(`setup: ${spec.name} still building… ${formatDuration(Date.now() - started)}`);
  }, progressEveryMs);
  timer.unref();
  try {
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      GOTOOLCHAIN: 'local',
      GOMODCACHE: join(root, 'go', 'mod'),
      GOCACHE: join(root, 'go', 'build'),
    };
    const tmp = `${target}.tmp-${process.pid}`;
    let command: string;
    if (spec.build === 'install') {
      // Per process: two setups racing on a cold cache must not clear each other's work.
      const gobin = join(root, 'build', `${spec.name}-${spec.version}-gobin-${process.pid}`);
      await rm(gobin, { recursive: true, force: true });
      command = `go install -trimpath ${spec.pkg}@${spec.version}`;
      await runLogged('go', ['install', '-trimpath', `${spec.pkg}@${spec.version}`], { ...env, GOBIN: gobin }, root, logFile, spec, command, signal);
      await rename(join(gobin, lastPathElement(spec.pkg)), tmp);
      await rm(gobin, { recursive: true, force: true });
    } else {
      const dir = join(root, 'build', `${spec.name}-${spec.version}-${process.pid}`);
      await mkdir(dir, { recursive: true });
      const modEnv = { ...env, GOFLAGS: `${baseEnv['GOFLAGS'] ?? ''} -mod=mod`.trim() };
      const replaces =
        spec.build === 'kubernetes' ? await stagingReplaces(spec, modEnv, dir, logFile, goVersion, signal) : [];
      await writeFile(join(dir, 'go.mod'), throwawayGoMod(spec, replaces, goVersion));
      command = `go build -trimpath -o ${tmp} ${spec.pkg} (in ${dir})`;
      try {
        await runLogged('go', ['build', '-trimpath', '-o', tmp, spec.pkg], modEnv, dir, logFile, spec, command, signal);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await chmod(tmp, 0o755);
    await rename(tmp, target);
    log(`setup: ${spec.name} ${spec.version} built in ${formatDuration(Date.now() - started)}`);
  } finally {
    clearInterval(timer);
  }
}

function throwawayGoMod(spec: ComponentSpec, replaces: readonly string[], goVersion: string): string {
  const lines = [`module driftless.local/build/${spec.name}`, '', `go ${goVersion}`, '', `require ${spec.module} ${spec.version}`];
  if (replaces.length > 0) lines.push('', 'replace (', ...replaces.map((r) => `\t${r}`), ')');
  return `${lines.join('\n')}\n`;
}

async function stagingReplaces(
  spec: ComponentSpec,
  env: NodeJS.ProcessEnv,
  dir: string,
  logFile: string,
  goVersion: string,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const command = `go mod download -json ${spec.module}@${spec.version}`;
  // A go.mod is needed for `go mod download` to run in module mode.
  await writeFile(join(dir, 'go.mod'), throwawayGoMod(spec, [], goVersion));
  const out = await runLogged('go', ['mod', 'download', '-json', `${spec.module}@${spec.version}`], env, dir, logFile, spec, command, signal, true);
  const info = JSON.parse(out) as { GoMod?: string };
  if (!info.GoMod) throw buildError(spec, command, logFile, 'go mod download printed no GoMod path');
  return kubernetesStagingReplaces(await readFile(info.GoMod, 'utf8'), spec.version);
}

async function runLogged(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  logFile: string,
  spec: ComponentSpec,
  command: string,
  signal: AbortSignal | undefined,
  captureStdout = false,
): Promise<string> {
  const fh = await open(logFile, 'a');
  try {
    await fh.write(`\n$ ${command}\n`);
    signal?.throwIfAborted();
    // `signal` kills the build (and Node rejects with an AbortError) when the user gives up.
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', captureStdout ? 'pipe' : fh.fd, fh.fd], ...(signal ? { signal } : {}) });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    signal?.throwIfAborted();
    if (code !== 0) throw buildError(spec, command, logFile, `exit code ${code}`);
    return stdout;
  } finally {
    await fh.close();
  }
}

function buildError(spec: ComponentSpec, command: string, logFile: string, why: string): ComponentBuildError {
  const tail = tailOfFile(logFile, 30);
  return new ComponentBuildError(
    `${spec.name} ${spec.version} build failed: ${why}\n  command: ${command}\n  log: ${logFile}\n${tail}`,
    { component: spec.name, version: spec.version, command, log: logFile },
  );
}

/** The installed Go's version (`1.26.8`); throws a clear error when Go is missing. */
async function localGoVersion(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn('go', ['env', 'GOVERSION'], { env: { ...env, GOTOOLCHAIN: 'local' }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const ok = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
  const version = /^go(\d+\.\d+(?:\.\d+)?)/.exec(out.trim())?.[1];
  if (!ok || !version) {
    throw new Error(
      'setup failed: the Go toolchain (`go`) is not on PATH; it builds MinIO, etcd, kube-apiserver, kustomize, Prometheus and helm. Install Go 1.26 or newer.',
    );
  }
  return version;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function lastPathElement(pkg: string): string {
  const parts = pkg.split('/').filter((p) => !/^v\d+$/.test(p));
  return parts[parts.length - 1] ?? pkg;
}
