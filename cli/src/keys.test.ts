import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSigningKey, parseVerifyKey, PointerVerifier, signPointer } from '@driftless/core';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { main } from './main.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('driftless keys generate', () => {
  it('writes a key pair that signs pointers agents can verify, the private key 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-keys-'));
    dirs.push(dir);
    const io = captureIo();
    expect(await main(['keys', 'generate', '--out', dir, '--json'], io)).toBe(0);
    const paths = JSON.parse(io.out) as { privateKey: string; publicKey: string };
    expect((await stat(paths.privateKey)).mode & 0o777).toBe(0o600);
    const key = parseSigningKey(await readFile(paths.privateKey, 'utf8'));
    const verifier = new PointerVerifier(parseVerifyKey(await readFile(paths.publicKey, 'utf8')));
    const pointer = signPointer(
      {
        apiVersion: 'driftless.dev/v1alpha1',
        kind: 'Pointer',
        cluster: 'c1',
        bundle: `sha256:${'0'.repeat(64)}`,
        revision: '0'.repeat(40),
        generation: 1,
        publishedAt: '2026-11-22T00:00:00.000Z',
      },
      key,
    );
    expect(verifier.verify(pointer, 'pointer', 'c1').generation).toBe(1);
  });

  it('refuses to overwrite existing keys (exit 2, files unchanged) unless --force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-keys-'));
    dirs.push(dir);
    expect(await main(['keys', 'generate', '--out', dir], captureIo())).toBe(0);
    const before = await readFile(join(dir, 'driftless-signing.key'), 'utf8');
    const io = captureIo();
    expect(await main(['keys', 'generate', '--out', dir], io)).toBe(2);
    expect(io.err).toContain('driftless-signing.key already exists; pass --force to replace the pair');
    expect(await readFile(join(dir, 'driftless-signing.key'), 'utf8')).toBe(before);
    expect(await main(['keys', 'generate', '--out', dir, '--force'], captureIo())).toBe(0);
    expect(await readFile(join(dir, 'driftless-signing.key'), 'utf8')).not.toBe(before);
  });

  it('writes nothing when only the public key is in the way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-keys-'));
    dirs.push(dir);
    const { writeFile, readdir } = await import('node:fs/promises');
    await writeFile(join(dir, 'driftless-signing.pub'), 'old public key');
    expect(await main(['keys', 'generate', '--out', dir], captureIo())).toBe(2);
    expect(await readdir(dir)).toEqual(['driftless-signing.pub']);
  });

  it('requires --out', async () => {
    const io = captureIo();
    expect(await main(['keys', 'generate'], io)).toBe(2);
    expect(io.err).toContain("required option '--out <dir>' not specified");
  });
});
