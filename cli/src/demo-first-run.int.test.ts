import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type * as Testkit from '@driftless/testkit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { captureIo } from './capture-io.js';
import { main } from './main.js';

// `npm ci && npm start` on a machine whose component cache is empty: the demo
// must use the kustomize that its own setup builds. "Building" here links the
// binary already built in the real cache, so no Go build runs; everything else
// is the demo as a user starts it.
const built: string[] = [];
vi.mock('@driftless/testkit', async (importOriginal) => {
  const real = await importOriginal<typeof Testkit>();
  const realCache = real.cacheDir({ ...process.env, DRIFTLESS_CACHE: '' });
  return {
    ...real,
    startEnvironment: (opts: Testkit.EnvironmentOptions) =>
      real.startEnvironment({
        ...opts,
        build: async (spec, target) => {
          built.push(spec.name);
          await symlink(real.binaryPath(spec.name, realCache), target);
        },
      }),
  };
});

const dirs: string[] = [];
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('driftless demo on a machine with an empty component cache', () => {
  it('builds kustomize during setup and compiles the kustomize app with it, on the first run', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'driftless-empty-cache-'));
    dirs.push(cache);
    vi.stubEnv('DRIFTLESS_CACHE', cache);
    vi.stubEnv('DRIFTLESS_KUSTOMIZE', undefined);
    // The kustomize found first on PATH fails: a demo that falls back to PATH (as it did when it
    // resolved the binary before setup built it) fails here, whatever the machine has installed.
    const bin = await mkdtemp(join(tmpdir(), 'driftless-path-'));
    dirs.push(bin);
    await writeFile(join(bin, 'kustomize'), '#!/bin/sh\necho "kustomize from PATH ran, not the one setup built" >&2\nexit 97\n', { mode: 0o755 });
    vi.stubEnv('PATH', `${bin}${delimiter}${process.env['PATH'] ?? ''}`);
    const io = captureIo();
    const code = await main(['demo', '--clusters', '3', '--interval', '1s', '--exit'], io);
    expect({ code, err: code === 0 ? '' : io.err }).toEqual({ code: 0, err: '' });
    expect(built.sort()).toEqual(['etcd', 'helm', 'kube-apiserver', 'kustomize', 'minio', 'prometheus']);
    expect(io.err).toMatch(/3\/3 clusters on the new revision/);
    expect(io.out).toContain('The fleet converged.');
  });
});
