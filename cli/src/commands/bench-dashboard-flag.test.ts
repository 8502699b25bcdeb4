import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless bench --dashboard', () => {
  it('is explained in --help, and refused with another scenario; --s3 without it is refused (exit 2, naming the flags)', async () => {
    const help = captureIo();
    expect(await main(['bench', '--help'], help)).toBe(0);
    expect(help.out).toContain('--dashboard');
    expect(help.out).toContain('driftless bench --dashboard --clusters 10000');
    const both = captureIo();
    expect(await main(['bench', '--dashboard', '--rollout', '--clusters', '10'], both)).toBe(2);
    expect(both.err).toContain('--dashboard is a scenario of its own');
    const s3 = captureIo();
    expect(await main(['bench', '--s3', '--clusters', '10'], s3)).toBe(2);
    expect(s3.err).toContain('--s3 is an option of --dashboard');
  });
});
