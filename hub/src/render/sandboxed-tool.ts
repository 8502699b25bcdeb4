import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { compileError } from '@driftless/core';

/** A renderer binary run in a private temporary directory, with no network. */
export interface SandboxedRun {
  /** The tool's name in messages (`kustomize`, `helm`). */
  readonly tool: string;
  /** The operation in messages (`kustomize build`, `helm template`). */
  readonly operation: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** The private temporary directory: HOME and the working directory. */
  readonly root: string;
  /** Extra environment, e.g. the tool's config and cache directories inside `root`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the run after this long, ms. Default 60 000. */
  readonly timeoutMs?: number;
  /**
   * Most memory the tool may use, bytes: its address space under `prlimit`
   * when the host has it, else only Go's soft limit (GOMEMLIMIT). Default: no cap.
   */
  readonly maxMemoryBytes?: number;
  /** The repository path errors name. */
  readonly subject: string;
  /** Turns the tool's stderr into what the user sees (temporary paths mapped back to repository paths). */
  readonly mapMessage: (stderr: string) => string;
}

/** Where proxies point: a closed loopback port, so that nothing a tool tries can reach the network. */
const CLOSED = 'http://127.0.0.1:9';

/** The environment of a sandboxed run: PATH, HOME at `root`, proxies at a closed port, no git protocols, then `extra`. */
function sandboxEnv(root: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: root,
    HTTP_PROXY: CLOSED,
    HTTPS_PROXY: CLOSED,
    ALL_PROXY: CLOSED,
    http_proxy: CLOSED,
    https_proxy: CLOSED,
    NO_PROXY: '',
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** util-linux `prlimit` on PATH, looked up once: it caps a child's address space. */
let prlimitPath: string | null | undefined;
function prlimit(): string | null {
  prlimitPath ??= (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).map((d) => join(d, 'prlimit')).find((p) => existsSync(p)) ?? null;
  return prlimitPath;
}

/** Go's words when an allocation fails (under prlimit, mmap fails before the kernel's OOM killer would pick the hub). */
const OUT_OF_MEMORY = /^fatal error: (runtime: )?(out of memory|failed to reserve)|cannot allocate memory/m;

/**
 * Runs a renderer binary with {@link sandboxEnv} plus `run.env`; a timeout
 * with SIGKILL, a 256 MiB output limit and, with `maxMemoryBytes`, a memory
 * cap. Resolves with its stdout; rejects with a compile error naming
 * `run.subject`: the binary is missing (setup builds it), the run timed out
 * or ran out of memory, or the tool's own message, mapped.
 */
export function runSandboxed(run: SandboxedRun): Promise<string> {
  const timeoutMs = run.timeoutMs ?? 60_000;
  const cap = run.maxMemoryBytes;
  const env = sandboxEnv(run.root, { ...(cap === undefined ? {} : { GOMEMLIMIT: String(cap) }), ...run.env });
  const wrapper = cap === undefined ? null : prlimit();
  const [file, args] = wrapper === null ? [run.binary, [...run.args]] : [wrapper, [`--as=${cap}`, '--', run.binary, ...run.args]];
  return new Promise<string>((resolve, reject) => {
    execFile(file, args, { env, cwd: run.root, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const e = err as Error & { code?: number | string; killed?: boolean };
      const missing = e.code === 'ENOENT' || (wrapper !== null && /failed to execute .*No such file or directory/.test(stderr));
      const why = missing
        ? `the ${run.tool} binary ${run.binary} was not found (npm run setup builds one)`
        : e.killed
          ? `${run.operation} did not finish within ${timeoutMs / 1000}s`
          : cap !== undefined && OUT_OF_MEMORY.test(stderr)
            ? `${run.operation} used more than ${Math.round(cap / (1024 * 1024))} MiB of memory rendering ${run.subject}`
            : `${run.operation} failed: ${run.mapMessage(stderr.trim()) || e.message}`;
      reject(compileError(run.subject, undefined, why, err));
    });
  });
}

/**
 * `<binary>@<version output>`, computed once: names the renderer in memo keys
 * so that renderings remembered from another binary or version are not reused.
 * Run in the same scrubbed environment as a rendering (HOME in an empty
 * temporary directory), so user config or plugins cannot change it.
 */
export function toolIdentity(binary: string, args: readonly string[]): () => Promise<string> {
  let identity: Promise<string> | undefined;
  const version = async (): Promise<string> => {
    const root = await mkdtemp(join(tmpdir(), 'driftless-identity-'));
    try {
      return await new Promise<string>((resolve) => {
        execFile(binary, [...args], { env: sandboxEnv(root), cwd: root, timeout: 10_000 }, (err, stdout) => resolve(`${binary}@${err ? 'unknown' : stdout.trim()}`));
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  return () => (identity ??= version());
}
