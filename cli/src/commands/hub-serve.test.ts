import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless hub serve', () => {
  it('explains every flag, the lease, the webhook and the health endpoint in --help', async () => {
    const io = captureIo();
    expect(await main(['hub', 'serve', '--help'], io)).toBe(0);
    for (const flag of ['--repo', '--store', '--poll', '--step-interval', '--listen', '--sign-key', '--pointer-ttl', '--webhook-secret-file', '--lease']) {
      expect(io.out, flag).toContain(flag);
    }
    for (const words of ['--tokens', '--trust-header', '--anonymous-read', 'USER:SHA256_HEX_OF_TOKEN', 'sha256sum', '/api/v1', 'rollouts/current/approve', 'flags/NAME', 'the user as the actor', 'refuses everyone', 'hub/lease.json', 'compare-and-swap', 'X-Hub-Signature-256', 'X-Gitlab-Token', 'answered 401 and triggers nothing', 'GET /healthz', 'POST /hooks/push', 'a third of --pointer-ttl', 'released: true', 'preview cycle', 'lastPreviews']) {
      expect(io.out, words).toContain(words);
    }
  });

  it.each([
    ['a poll that is not a duration', ['--poll', 'often'], '--poll "often" is not a duration'],
    ['a listen address without a port', ['--listen', 'localhost'], '--listen "localhost" must be HOST:PORT'],
    ['a pointer TTL without a key', ['--pointer-ttl', '1d'], '--pointer-ttl needs --sign-key'],
    ['a missing webhook secret file', ['--webhook-secret-file', '/nonexistent/secret'], '--webhook-secret-file /nonexistent/secret'],
    ['a missing tokens file', ['--tokens', '/nonexistent/tokens'], '--tokens tokens file /nonexistent/tokens read failed: no such file'],
    ['a trusted header that is no header name', ['--trust-header', 'X User'], '--trust-header "X User" must be an HTTP header name'],
  ])('refuses %s with exit code 2, naming the flag', async (_what, flags, message) => {
    const io = captureIo();
    expect(await main(['hub', 'serve', '--repo', 'file:/nowhere', '--store', 'file:/nowhere', ...flags], io)).toBe(2);
    expect(io.err).toContain(message);
  });

  it('refuses a tokens file with a bad line with exit code 2, naming FILE:LINE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-tokens-'));
    try {
      const file = join(dir, 'tokens');
      await writeFile(file, `# users\nalice:${'a'.repeat(64)}\nbob:not-a-digest\n`);
      const io = captureIo();
      expect(await main(['hub', 'serve', '--repo', 'file:/nowhere', '--store', 'file:/nowhere', '--tokens', file], io)).toBe(2);
      expect(io.err).toContain(`${file}:3: tokens file read failed`);
      expect(io.err).not.toContain('not-a-digest');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
