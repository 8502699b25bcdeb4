import { execFile } from 'node:child_process';
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
  /** The repository path errors name. */
  readonly subject: string;
  /** Turns the tool's stderr into what the user sees (temporary paths mapped back to repository paths). */
  readonly mapMessage: (stderr: string) => string;
}

/** Where proxies point: a closed loopback port, so that nothing a tool tries can reach the network. */
const CLOSED = 'http://127.0.0.1:9';

/**
 * Runs a renderer binary with an environment of only PATH, HOME (the private
 * directory), proxies at a closed loopback port and git protocols disabled,
 * plus `run.env`; a timeout with SIGKILL and a 256 MiB output limit. Resolves
 * with its stdout; rejects with a compile error naming `run.subject`: the
 * binary is missing (setup builds it), the run timed out, or the tool's own
 * message, mapped.
 */
export function runSandboxed(run: SandboxedRun): Promise<string> {
  const timeoutMs = run.timeoutMs ?? 60_000;
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: run.root,
    HTTP_PROXY: CLOSED,
    HTTPS_PROXY: CLOSED,
    ALL_PROXY: CLOSED,
    http_proxy: CLOSED,
    https_proxy: CLOSED,
    NO_PROXY: '',
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_TERMINAL_PROMPT: '0',
    ...run.env,
  };
  return new Promise<string>((resolve, reject) => {
    execFile(
      run.binary,
      [...run.args],
      { env, cwd: run.root, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const e = err as Error & { code?: number | string; killed?: boolean };
        const why =
          e.code === 'ENOENT'
            ? `the ${run.tool} binary ${run.binary} was not found (npm run setup builds one)`
            : e.killed
              ? `${run.operation} did not finish within ${timeoutMs / 1000}s`
              : `${run.operation} failed: ${run.mapMessage(stderr.trim()) || e.message}`;
        reject(compileError(run.subject, undefined, why, err));
      },
    );
  });
}

/**
 * `<binary>@<version output>`, computed once: names the renderer in memo keys
 * so that renderings remembered from another binary or version are not reused.
 */
export function toolIdentity(binary: string, args: readonly string[]): () => Promise<string> {
  let identity: Promise<string> | undefined;
  return () =>
    (identity ??= new Promise<string>((resolve) => {
      execFile(binary, [...args], { timeout: 10_000 }, (err, stdout) => resolve(`${binary}@${err ? 'unknown' : stdout.trim()}`));
    }));
}
