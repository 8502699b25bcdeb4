import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commitFiles, createBareRepo } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/temp-dirs.js';
import { gitObjectSizes } from './git-object-size.js';

const tempDir = tempDirs('git-object-size');

/** Lines of text that compress poorly, so that git stores an edit of them as a delta. */
function lines(count: number, edit = ''): string {
  let x = 7;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(`line ${i} ${x.toString(36)}`);
  }
  return `${out.join('\n')}\n${edit}`;
}

describe('gitObjectSizes (real git)', () => {
  it('tells the sizes git reports, loose and packed, and a delta by the largest object on its chain', async () => {
    const root = await tempDir();
    const bare = await createBareRepo(root, 'sizes');
    await commitFiles(bare, { 'big.yaml': lines(40_000), 'small.yaml': 'a: 1\n' }, 'one');
    await commitFiles(bare, { 'big.yaml': lines(40_000, 'edited: true\n') }, 'two');
    const git = async (args: string[]) => (await promisify(execFile)('git', args, { cwd: bare })).stdout.trim();
    const oids = [await git(['rev-parse', 'HEAD~1:big.yaml']), await git(['rev-parse', 'HEAD:big.yaml']), await git(['rev-parse', 'HEAD:small.yaml'])];
    const sizes = await Promise.all(oids.map(async (o) => Number(await git(['cat-file', '-s', o]))));

    expect(await Promise.all(oids.map((o) => gitObjectSizes(bare).largestInflated(o)))).toEqual(sizes);

    await git(['repack', '-adfq', '--depth=10', '--window=10']);
    const idx = (await readdir(join(bare, 'objects', 'pack'))).find((n) => n.endsWith('.idx')) ?? '';
    const entries = (await git(['verify-pack', '-v', join('objects', 'pack', idx)])).split('\n');
    const isDelta = (oid: string | undefined) => entries.some((l) => l.startsWith(`${oid ?? '-'} `) && l.trim().split(/\s+/).length >= 7);
    expect(isDelta(oids[0]) || isDelta(oids[1]), 'git stored one version of big.yaml as a delta').toBe(true);
    const packed = gitObjectSizes(bare);
    const told = await Promise.all(oids.map((o) => packed.largestInflated(o)));
    // One version of big.yaml is now a delta against the other: reading it inflates both.
    expect(told).toEqual([Math.max(sizes[0] ?? 0, sizes[1] ?? 0), Math.max(sizes[0] ?? 0, sizes[1] ?? 0), sizes[2]]);
    expect(await packed.largestInflated('0'.repeat(40))).toBeUndefined();
    // Asked again, one at a time and in the other order, the reader answers from what it was told.
    for (const [i, o] of [...oids.entries()].reverse()) expect(await packed.largestInflated(o)).toBe(told[i]);
  });
});
