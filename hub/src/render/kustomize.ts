import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeUtf8, type RepoReader } from '@driftless/core';
import { kustomizeInputs } from './kustomize-refs.js';
import { runSandboxed, toolIdentity } from './sandboxed-tool.js';

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
      return await runSandboxed({
        tool: 'kustomize',
        operation: 'kustomize build',
        binary: opts.binary,
        args: ['build', join(root, 'repo', dir), '--load-restrictor', 'LoadRestrictionsRootOnly'],
        root,
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        subject: dir,
        mapMessage: (stderr) => stderr.split(`${join(root, 'repo')}/`).join(''),
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  run.identity = toolIdentity(opts.binary, ['version']);
  return run;
}
