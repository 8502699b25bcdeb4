import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless bench hub --helm-app', () => {
  it('is explained in --help', async () => {
    const help = captureIo();
    expect(await main(['bench', 'hub', '--help'], help)).toBe(0);
    expect(help.out).toContain('--helm-app <source>');
    expect(help.out).toContain('--helm-values <n>');
    expect(help.out).toContain('driftless bench hub --clusters 10000 --helm-app chart --json');
  });

  it.each([
    [['--helm-app', 'kustomize'], '--helm-app "kustomize" must be chart or plain'],
    [['--helm-app', 'chart', '--helm-values', '4'], '--helm-values 4 must be from 1 to 3'],
    [['--helm-app', 'chart', '--helm-values', '0'], '--helm-values "0" must be a whole number of at least 1'],
  ])('refuses %j with exit 2, naming the flag', async (args, message) => {
    const io = captureIo();
    expect(await main(['bench', 'hub', '--clusters', '10', ...args], io)).toBe(2);
    expect(io.err).toContain(message);
  });
});
