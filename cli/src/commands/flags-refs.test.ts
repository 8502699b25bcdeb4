import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-run.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'driftless-refs-'));
  dirs.push(root);
  for (const [path, body] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), body);
  }
  return root;
}

describe('driftless flags refs', () => {
  it('lists file:line per quoted reference, skips node_modules, .git, binaries and large files, and names the flags with none', async () => {
    const repo = await tree({ 'flags/checkout.yaml': 'type: release\n', 'flags/dark-mode.yaml': 'type: experiment\n', 'flags/unused.yaml': 'type: release\n' });
    const src = await tree({
      'src/app.ts': "const a = client.getBooleanValue('checkout', false);\nconst checkoutText = 'checkout page';\n",
      'src/ui/theme.js': 'if (flags["dark-mode"]) {}\nconst t = `checkout`;\n',
      'node_modules/lib/index.js': "'unused'\n",
      '.git/HEAD': "'unused'\n",
      'assets/logo.bin': Buffer.from([0, 39, ...Buffer.from('unused'), 39]),
      'dist/big.js': `${"'unused'\n".repeat(120_000)}`,
    });
    const got = await runCli(['flags', 'refs', '--src', src, '--repo', repo]);
    expect(got.code, got.err).toBe(0);
    expect(got.out).toBe('src/app.ts:1: checkout\nsrc/ui/theme.js:1: dark-mode\nsrc/ui/theme.js:2: checkout\nno reference: unused\n');
    const json = JSON.parse((await runCli(['flags', 'refs', '--json', '--src', src, '--repo', repo])).out) as unknown;
    expect(json).toEqual({
      refs: [
        { key: 'checkout', file: 'src/app.ts', line: 1 },
        { key: 'dark-mode', file: 'src/ui/theme.js', line: 1 },
        { key: 'checkout', file: 'src/ui/theme.js', line: 2 },
      ],
      unreferenced: ['unused'],
    });
  });

  it('exits 2 naming the flag without a key source or with a missing directory', async () => {
    const src = await tree({ 'a.ts': '' });
    expect(await runCli(['flags', 'refs', '--src', src])).toMatchObject({ code: 2, err: expect.stringContaining('--store <url> or --repo <dir>') as unknown });
    expect(await runCli(['flags', 'refs', '--src', join(src, 'nope'), '--repo', src])).toMatchObject({ code: 2, err: expect.stringContaining('--repo') as unknown });
  });
});
