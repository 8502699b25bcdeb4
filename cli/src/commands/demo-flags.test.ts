import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('driftless demo flags', () => {
  it('refuses a --dashboard-port out of range and an --approve-after that is not a duration (exit 2)', async () => {
    const port = captureIo();
    expect(await main(['demo', '--dashboard-port', '70000'], port)).toBe(2);
    expect(port.err).toContain('--dashboard-port 70000 must be at most 65535');
    const after = captureIo();
    expect(await main(['demo', '--approve-after', 'soon'], after)).toBe(2);
    expect(after.err).toContain('--approve-after "soon" is not a duration');
  });
});
