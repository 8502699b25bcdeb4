import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeObjectStoreContract } from '@driftless/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { compareKeys, createFileStore } from './file-store.js';

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
    expect((await readdir(join(dir, 'k'))).sort()).toEqual([
      `.driftless-e-0000000000000004-${sha256('v3')}`,
      `.driftless-e-0000000000000005-${sha256('v4')}`,
      '.driftless-v0000000000000004',
      '.driftless-v0000000000000005',
    ]);
  });
});

describe('file store temporary names', () => {
  it('removes a temporary name left over a minute ago when it prunes, and keeps a fresh one (a write in progress)', async () => {
    const dir = await tempDir();
    const store = createFileStore(dir, { durable: false });
    for (let i = 0; i < 3; i++) await store.put('k', new TextEncoder().encode(`v${i}`));
    const keyDir = join(dir, 'k');
    await writeFile(join(keyDir, '.driftless-tmp-old'), 'left by a crash');
    await utimes(join(keyDir, '.driftless-tmp-old'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    await writeFile(join(keyDir, '.driftless-tmp-new'), 'a write in progress');
    await store.put('k', new TextEncoder().encode('v3'));
    expect((await readdir(keyDir)).filter((n) => n.startsWith('.driftless-tmp-'))).toEqual(['.driftless-tmp-new']);
  });
});

describe('file store listing', () => {
  const enc = new TextEncoder();

  it('pages keys in string order when names share a stem (a, a-c, a.b, a/x), whatever the page size', async () => {
    const store = createFileStore(await tempDir(), { durable: false });
    const keys = ['s/a', 's/a-c', 's/a.b', 's/a.b/x', 's/a/x', 's/a/x/y', 's/a0', 's/b/a', 's/b/b'];
    for (const k of [...keys].reverse()) await store.put(k, enc.encode(k));
    await store.put('t/other', enc.encode('x'));
    for (const pageSize of [1, 2, 3, 1000]) {
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await store.list('s/', { pageSize, ...(pageToken === undefined ? {} : { pageToken }) });
        seen.push(...page.keys);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      expect(seen, `page size ${pageSize}`).toEqual([...keys].sort());
    }
    expect((await store.list('s/a.')).keys).toEqual(['s/a.b', 's/a.b/x']);
    expect((await store.list('s/a/x/')).keys).toEqual(['s/a/x/y']);
  });

  it('orders keys by their UTF-8 bytes, as S3 does, also above the Basic Multilingual Plane', async () => {
    const store = createFileStore(await tempDir(), { durable: false });
    const keys = ['u/\u{1F600}', 'u/\uFFFD', 'u/\u00E9', 'u/z'];
    for (const k of keys) await store.put(k, enc.encode(k));
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(byBytes).toEqual(['u/z', 'u/\u00E9', 'u/\uFFFD', 'u/\u{1F600}']);
    expect((await store.list('u/')).keys).toEqual(byBytes);
    const first = await store.list('u/', { pageSize: 3 });
    expect(first.keys).toEqual(byBytes.slice(0, 3));
    expect((await store.list('u/', { pageToken: first.nextPageToken ?? '' })).keys).toEqual(byBytes.slice(3));
    // compareKeys agrees with byte order on characters from every range.
    const pool = ['a', '/', '-', '\u00FF', '\u0800', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{10FFFF}'];
    for (const a of pool) for (const b of pool) expect(Math.sign(compareKeys(`k${a}`, `k${b}`))).toBe(Math.sign(Buffer.compare(Buffer.from(`k${a}`), Buffer.from(`k${b}`))));
  });

  it('lists the ETag of a version that has no ETag mark (written before marks existed) by reading it once, then marks it', async () => {
    const dir = await tempDir();
    const store = createFileStore(dir, { durable: false });
    const put = await store.put('old/status.json', enc.encode('{"a":1}'));
    const keyDir = join(dir, 'old', 'status.json');
    const marks = async (): Promise<string[]> => (await readdir(keyDir)).filter((n) => n.startsWith('.driftless-e-'));
    await Promise.all((await marks()).map((n) => unlink(join(keyDir, n))));
    expect(await marks()).toEqual([]);
    expect(await store.list('old/')).toEqual({ keys: ['old/status.json'], etags: [put.kind === 'written' ? put.etag : ''] });
    // The listing left the mark, so the next one reads the directory only.
    expect(await marks()).toEqual([`.driftless-e-0000000000000001-${sha256('{"a":1}')}`]);
    expect(await store.list('old/')).toEqual({ keys: ['old/status.json'], etags: [put.kind === 'written' ? put.etag : ''] });
  });

  it('leaves out a deleted key, and lists it again with its new ETag once it is written again', async () => {
    const store = createFileStore(await tempDir(), { durable: false });
    await store.put('d/a', enc.encode('1'));
    await store.put('d/b', enc.encode('1'));
    await store.delete('d/a');
    expect((await store.list('d/')).keys).toEqual(['d/b']);
    const again = await store.put('d/a', enc.encode('2'));
    expect((await store.list('d/')).etags?.[0]).toBe(again.kind === 'written' ? again.etag : '');
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
