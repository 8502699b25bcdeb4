import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileError, decodeUtf8, type RepoReader } from '@driftless/core';
import { kustomizeInputs } from './kustomize-refs.js';

/**
 * Runs `kustomize build` on a directory of the repository and returns the YAML
 * it prints. `identity` names the binary and its version, so that renderings
 * remembered from another kustomize are not reused.
 */
export type KustomizeRunner = ((reader: RepoReader, dir: string) => Promise<string>) & { identity?: () => Promise<string> };

export interface KustomizeOptions {
  /** The kustomize binary. */
  readonly binary: string;
  /** Kill a build after this long, ms. Default 60 000. */
  readonly timeoutMs?: number;
  /** Largest repository file a build may read, bytes. */
  readonly maxFileBytes: number;
}

/**
 * A KustomizeRunner that materializes exactly the files a build needs (see
 * kustomizeInputs, which refuses remote references and paths that leave the
 * repository) into a private temporary directory and runs the kustomize binary
 * there, with a timeout, its default root-only load restrictor, no plugins, no
 * Helm, no exec, and proxies pointed at a closed loopback port so that nothing
 * can reach the network. Errors name the directory and carry kustomize's own
 * message with temporary paths mapped back to repository paths.
 */
export function kustomizeRunner(opts: KustomizeOptions): KustomizeRunner {
  let identity: Promise<string> | undefined;
  const run: KustomizeRunner = async (reader, dir) => {
    const inputs = await kustomizeInputs(reader, dir, opts.maxFileBytes);
    const root = await mkdtemp(join(tmpdir(), 'driftless-kustomize-'));
    try {
      for (const file of inputs.files) {
        const target = join(root, 'repo', file);
        await mkdir(dirname(target), { recursive: true });
        const bytes = await reader.readFile(file, opts.maxFileBytes);
        // Manifests must be UTF-8 (kustomize would refuse them without naming the file); generator inputs may be binary.
        if (/\.(ya?ml|json)$/i.test(file)) decodeUtf8(bytes, file);
        await writeFile(target, bytes);
      }
      const closed = 'http://127.0.0.1:9';
      const env = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: root,
        HTTP_PROXY: closed,
        HTTPS_PROXY: closed,
        ALL_PROXY: closed,
        http_proxy: closed,
        https_proxy: closed,
        NO_PROXY: '',
        GIT_ALLOW_PROTOCOL: 'none',
        GIT_TERMINAL_PROMPT: '0',
      };
      return await new Promise<string>((resolve, reject) => {
        execFile(
          opts.binary,
          ['build', join(root, 'repo', dir), '--load-restrictor', 'LoadRestrictionsRootOnly'],
          { env, cwd: root, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' },
          (err, stdout, stderr) => {
            if (!err) {
              resolve(stdout);
              return;
            }
            const e = err as Error & { code?: number | string; killed?: boolean };
            const why =
              e.code === 'ENOENT'
                ? `the kustomize binary ${opts.binary} was not found (npm run setup builds one)`
                : e.killed
                  ? `kustomize build did not finish within ${(opts.timeoutMs ?? 60_000) / 1000}s`
                  : `kustomize build failed: ${stderr.trim().split(`${join(root, 'repo')}/`).join('') || e.message}`;
            reject(compileError(dir, undefined, why, err));
          },
        );
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  run.identity = () =>
    (identity ??= new Promise<string>((resolve) => {
      execFile(opts.binary, ['version'], { timeout: 10_000 }, (err, stdout) => resolve(`${opts.binary}@${err ? 'unknown' : stdout.trim()}`));
    }));
  return run;
}
