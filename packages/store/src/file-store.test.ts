import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeObjectStoreContract } from '@driftless/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileStore } from './file-store.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'driftless-filestore-'));
  dirs.push(d);
  return d;
}

describeObjectStoreContract('filesystem', async () => ({ store: createFileStore(await tempDir()) }));

// The store module as built (npm test builds first), for writers in other processes.
const FILE_STORE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'file-store.js')).href;

/** Runs `count` writers in separate processes at once; resolves with each one's result kind. */
async function raceInProcesses(dir: string, op: 'putIfAbsent' | 'cas', etag: string, count: number): Promise<string[]> {
  const script = `
    const { createFileStore } = await import(${JSON.stringify(FILE_STORE)});
    const [dir, id, op, etag] = process.argv.slice(1);
    const store = createFileStore(dir);
    const body = new TextEncoder().encode('writer-' + id);
    process.send('ready');
    process.once('message', async () => {
      const r = op === 'cas'
        ? await store.put('race/key', body, { ifMatch: etag })
        : await store.putIfAbsent('race/key', body);
      process.send(r.kind, () => process.exit(0));
    });
  `;
  const children = Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, ['--input-type=module', '-e', script, '--', dir, String(i), op, etag], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  // Start them together, once every process is ready, so the writes really overlap.
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  const results = children.map((c) => new Promise<string>((r) => c.once('message', (m) => r(m as string))));
  for (const c of children) c.send('go');
  return await Promise.all(results);
}

describe('file store across processes', () => {
  it('lets exactly one of several processes win put-if-absent', async () => {
    const dir = await tempDir();
    const kinds = await raceInProcesses(dir, 'putIfAbsent', '', 6);
    expect(kinds.filter((k) => k === 'created')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'exists')).toHaveLength(5);
  });

  it('lets exactly one of several processes win compare-and-swap, and leaves no temporary files', async () => {
    const dir = await tempDir();
    const store = createFileStore(dir);
    const base = await store.put('race/key', new TextEncoder().encode('base'));
    const kinds = await raceInProcesses(dir, 'cas', base.kind === 'written' ? base.etag : '', 6);
    expect(kinds.filter((k) => k === 'written')).toHaveLength(1);
    const got = await store.get('race/key');
    const winner = kinds.indexOf('written');
    expect(got.kind === 'found' && new TextDecoder().decode(got.body)).toBe(`writer-${winner}`);
    expect((await readdir(join(dir, 'race', 'key'))).filter((n) => n.includes('tmp'))).toEqual([]);
  });

  it('ignores what a crashed writer left behind: a temporary file, and no new version', async () => {
    const dir = await tempDir();
    const store = createFileStore(dir);
    await store.put('k/pointer', new TextEncoder().encode('v1'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'k', 'pointer', '.driftless-tmp-crashed'), 'half-writ');
    const got = await store.get('k/pointer');
    expect(got.kind === 'found' && new TextDecoder().decode(got.body)).toBe('v1');
    expect((await store.list('k/')).keys).toEqual(['k/pointer']);
    expect((await store.put('k/pointer', new TextEncoder().encode('v2'), { ifMatch: got.kind === 'found' ? got.etag : '' })).kind).toBe('written');
  });

  it('keeps only the current and the previous version on disk', async () => {
    const dir = await tempDir();
    const store = createFileStore(dir);
    for (let i = 0; i < 5; i++) await store.put('k', new TextEncoder().encode(`v${i}`));
    expect((await readdir(join(dir, 'k'))).sort()).toEqual(['.driftless-v0000000000000004', '.driftless-v0000000000000005']);
  });
});
