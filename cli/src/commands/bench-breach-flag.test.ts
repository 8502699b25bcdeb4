import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless bench --breach', () => {
  it('is explained in --help, and refused without --rollout (exit 2, naming both flags)', async () => {
    const help = captureIo();
    expect(await main(['bench', '--help'], help)).toBe(0);
    expect(help.out).toContain('--breach');
    expect(help.out).toContain('driftless bench --rollout --breach --virtual');
    const io = captureIo();
    expect(await main(['bench', '--breach', '--virtual', '--clusters', '10'], io)).toBe(2);
    expect(io.err).toContain('--breach is a scenario of the rollout bench: pass --rollout too');
  });
});
