import { binaryPath } from '@driftless/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';
import { helmBinary } from './options.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('--helm', () => {
  it.each([
    [['hub', 'compile']],
    [['hub', 'serve']],
    [['bench', 'hub']],
  ])('is explained by %j --help, with its default', async (command) => {
    const io = captureIo();
    expect(await main([...command, '--help'], io)).toBe(0);
    expect(io.out).toMatch(/--helm <path>\s+helm binary/);
    expect(io.out).toContain(command[0] === 'bench' ? 'default: as for hub compile' : '$DRIFTLESS_HELM');
  });

  it('defaults to $DRIFTLESS_HELM, else the binary npm run setup built', async () => {
    vi.stubEnv('DRIFTLESS_HELM', '/opt/helm');
    expect(await helmBinary(undefined)).toBe('/opt/helm');
    expect(await helmBinary('/usr/local/bin/helm')).toBe('/usr/local/bin/helm');
    vi.stubEnv('DRIFTLESS_HELM', '');
    expect(await helmBinary(undefined)).toBe(binaryPath('helm'));
  });
});
