import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless freeze / unfreeze flags', () => {
  it.each([
    ['freeze', ''],
    ['freeze', '   '],
    ['unfreeze', ''],
  ])('%s --reason %j exits 2 naming --reason, before touching the store', async (command, reason) => {
    const io = captureIo();
    expect(await main([command, '--store', 'file:/nonexistent/driftless-store', '--reason', reason, '--as', 'alice'], io)).toBe(2);
    expect(io.err).toMatch(/^error: --reason must say why the fleet is (un)?frozen/);
  });
});
