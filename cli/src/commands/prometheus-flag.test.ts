import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';
import { prometheusSource } from './prometheus-flag.js';

describe('--prometheus', () => {
  it('builds the source from the flag, else $DRIFTLESS_PROMETHEUS_URL; none from neither', async () => {
    expect((await prometheusSource('http://127.0.0.1:9090/', {}))?.description).toBe('prometheus at http://127.0.0.1:9090');
    expect((await prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: 'https://prom.example:9090' }))?.description).toBe('prometheus at https://prom.example:9090');
    expect(await prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: '' })).toBeUndefined();
    expect(await prometheusSource(undefined, {})).toBeUndefined();
  });

  it('refuses a URL that is not http(s), naming where it came from, and never echoes credentials', async () => {
    await expect(prometheusSource('127.0.0.1:9090', {})).rejects.toThrow('--prometheus "127.0.0.1:9090" is not a URL (use e.g. http://127.0.0.1:9090)');
    await expect(prometheusSource('not a url', {})).rejects.toThrow('--prometheus "not a url" is not a URL');
    await expect(prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: 'nope' })).rejects.toThrow('$DRIFTLESS_PROMETHEUS_URL "nope" is not a URL');
    const err: unknown = await prometheusSource('http://u:secret@prom:9090', {}).catch((e: unknown) => e);
    expect((err as Error).message).toContain('DRIFTLESS_PROMETHEUS_TOKEN');
    expect((err as Error).message).not.toContain('secret');
  });

  it.each([
    [['hub', 'compile', '--repo', 'file:/nowhere']],
    [['hub', 'serve', '--repo', 'file:/nowhere']],
    [['rollout', 'step']],
    [['rollout', 'approve', '--ring', 'ring-0', '--reason', 'ok']],
    [['rollout', 'resume', '--reason', 'ok']],
  ])('%j: explains the flag and the env vars in --help, and exits 2 naming the flag on an invalid URL', async (argv) => {
    const help = captureIo();
    expect(await main([...argv, '--help'], help)).toBe(0);
    for (const words of ['--prometheus <url>', 'DRIFTLESS_PROMETHEUS_URL', 'DRIFTLESS_PROMETHEUS_TOKEN', 'bearer token']) expect(help.out, words).toContain(words);
    const io = captureIo();
    expect(await main([...argv, '--store', 'file:/nowhere', '--prometheus', 'ftp://prom'], io)).toBe(2);
    expect(io.err).toContain('--prometheus "ftp://prom" must be an http:// or https:// URL');
  });
});
