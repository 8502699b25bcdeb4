import { chmod, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/temp-dirs.js';
import { toolIdentity } from './sandboxed-tool.js';

const tempDir = tempDirs('identity-test');

describe('toolIdentity', () => {
  it("asks the tool for its version in the sandbox's environment, not the hub's (no user HOME, config or plugins)", async () => {
    const dir = await tempDir();
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
