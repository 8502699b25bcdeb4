import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless bench --kill-switch', () => {
  it('is explained in --help, and refused with --rollout or --mode git (exit 2, naming the flags)', async () => {
    const help = captureIo();
    expect(await main(['bench', '--help'], help)).toBe(0);
    expect(help.out).toContain('--kill-switch');
    expect(help.out).toContain('driftless bench --kill-switch --virtual');
    const both = captureIo();
    expect(await main(['bench', '--kill-switch', '--rollout', '--virtual', '--clusters', '10'], both)).toBe(2);
    expect(both.err).toContain('--kill-switch is a scenario of its own: leave out --rollout');
    const git = captureIo();
    expect(await main(['bench', '--kill-switch', '--mode', 'git', '--clusters', '10'], git)).toBe(2);
    expect(git.err).toContain('--kill-switch runs bundle mode only');
  });
});
