import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as FsPromises from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createFileStore } from './file-store.js';

// A gate in front of `link`, the file store's commit point, so a test can pause
// one writer exactly between reading version n and creating version n+1.
const gate = vi.hoisted(() => ({ beforeLink: undefined as undefined | (() => Promise<void>) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  return {
    ...real,
    link: async (from: string, to: string): Promise<void> => {
      const pause = gate.beforeLink;
      gate.beforeLink = undefined;
      if (pause) await pause();
      await real.link(from, to);
    },
  };
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const enc = new TextEncoder();
const text = (r: { kind: string; body?: Uint8Array }): string | undefined => (r.body ? new TextDecoder().decode(r.body) : undefined);

describe('file store compare-and-swap against a paused writer', () => {
  it('reports a conflict, not a lost write, when others wrote three versions while it paused before its commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-filestore-cas-'));
    dirs.push(dir);
    const store = createFileStore(dir, { durable: false });
    const base = await store.put('k/pointer', enc.encode('v1'));
    if (base.kind !== 'written') throw new Error('setup');

    let paused!: () => void;
    const reachedLink = new Promise<void>((r) => (paused = r));
    let release!: () => void;
    gate.beforeLink = async () => {
      paused();
      await new Promise<void>((r) => (release = r));
    };
    const slow = store.put('k/pointer', enc.encode('slow'), { ifMatch: base.etag });
    await reachedLink;

    // Three compare-and-swaps complete meanwhile: v1 -> v2 -> v3 -> v4.
    let etag = base.etag;
    for (const v of ['v2', 'v3', 'v4']) {
      const r = await store.put('k/pointer', enc.encode(v), { ifMatch: etag });
      if (r.kind !== 'written') throw new Error(`${v} not written: ${r.kind}`);
      etag = r.etag;
    }
    release();

    const outcome = await slow;
    const now = await store.get('k/pointer');
    // Either the slow write lost (its base v1 is long gone), or it is what readers see.
    expect({ outcome: outcome.kind, current: text(now) }).toEqual({ outcome: 'conflict', current: 'v4' });
    // Once nobody is racing, old versions are still pruned.
    await store.put('k/pointer', enc.encode('v5'));
    expect((await readdir(join(dir, 'k', 'pointer'))).filter((n) => n.startsWith('.driftless-v'))).toHaveLength(2);
  });

  it('prunes again after a writer crashed mid-write (its marker names a process that is gone)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-filestore-cas-'));
    dirs.push(dir);
    const store = createFileStore(dir, { durable: false });
    await store.put('k', enc.encode('v0'));
    // A process id above the kernel's maximum (2^22) cannot be running.
    await writeFile(join(dir, 'k', '.driftless-w-99999999-deadbeef'), '');
    for (let i = 1; i < 5; i++) await store.put('k', enc.encode(`v${i}`));
    expect((await readdir(join(dir, 'k'))).filter((n) => n.startsWith('.driftless-v')).sort()).toEqual(['.driftless-v0000000000000004', '.driftless-v0000000000000005']);
    // Only the kept versions' ETag marks remain.
    expect((await readdir(join(dir, 'k'))).filter((n) => n.startsWith('.driftless-e-')).map((n) => n.slice(0, 29)).sort()).toEqual([
      '.driftless-e-0000000000000004',
      '.driftless-e-0000000000000005',
    ]);
  });
});
