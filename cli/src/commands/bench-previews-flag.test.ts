import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless bench --previews', () => {
  it('is explained in --help with --hosts', async () => {
    const help = captureIo();
    expect(await main(['bench', '--help'], help)).toBe(0);
    expect(help.out).toContain('--previews');
    expect(help.out).toContain('--hosts <n>');
    expect(help.out).toContain('driftless bench --previews --virtual');
  });

  it('refuses real time, another scenario, and more hosts than clusters (exit 2, naming the flags)', async () => {
    const cases: [string[], string][] = [
      [['--previews', '--clusters', '10'], '--previews runs with --virtual only'],
      [['--previews', '--virtual', '--rollout', '--clusters', '10'], '--previews is a scenario of its own: leave out --rollout'],
      [['--previews', '--virtual', '--kill-switch', '--clusters', '10'], '--previews is a scenario of its own: leave out --kill-switch'],
      [['--previews', '--virtual', '--clusters', '10', '--hosts', '11'], '--hosts 11 must be at most --clusters (10)'],
      [['--virtual', '--clusters', '10', '--hosts', '2'], '--hosts is an option of --previews'],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await main(['bench', ...args], io), args.join(' ')).toBe(2);
      expect(io.err).toContain(message);
    }
  });

  it('prints the figures as JSON: both within the goal on a small virtual fleet', { timeout: 120_000 }, async () => {
    const io = captureIo();
    expect(await main(['bench', '--previews', '--virtual', '--clusters', '8', '--hosts', '2', '--interval', '10s', '--jitter', '0', '--json'], io), io.err).toBe(0);
    const r = JSON.parse(io.out) as { hosts: string[]; pollMs: number; pushToApplied: { met: boolean; goalMs: number }; deleteToGone: { met: boolean } };
    expect(r.hosts).toHaveLength(2);
    expect(r.pollMs).toBe(10_000);
    expect(r.pushToApplied).toMatchObject({ met: true, goalMs: 20_000 });
    expect(r.deleteToGone.met).toBe(true);
  });
});
