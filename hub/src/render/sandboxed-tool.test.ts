import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toolIdentity } from './sandboxed-tool.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('toolIdentity', () => {
  it("asks the tool for its version in the sandbox's environment, not the hub's (no user HOME, config or plugins)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-identity-test-'));
    dirs.push(dir);
    const tool = join(dir, 'tool');
    // A stand-in binary whose "version" is the environment it was given.
    await writeFile(tool, '#!/bin/sh\necho "v1 home=$HOME plugins=$HELM_PLUGINS"\n');
    await chmod(tool, 0o755);
    process.env['HELM_PLUGINS'] = '/somewhere/plugins';
    try {
      const identity = await toolIdentity(tool, ['version'])();
      expect(identity).toMatch(new RegExp(`^${tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@v1 home=\\S*driftless-identity-\\S+ plugins=$`));
      expect(identity).not.toContain(homedir());
    } finally {
      delete process.env['HELM_PLUGINS'];
    }
  });
});
