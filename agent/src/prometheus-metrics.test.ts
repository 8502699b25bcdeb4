import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@driftless/fakes';
import { prometheusMetrics } from './prometheus-metrics.js';

describe('agent metrics: insecure mode', () => {
  it.each([
    [{ insecureSkipVerify: true }, 1],
    [{}, 0],
  ])('driftless_agent_insecure is %o -> %i from the start', async (opts, value) => {
    const text = await prometheusMetrics('c1', { clock: new VirtualClock(0), intervalMs: 30_000, ...opts }).registry.metrics();
    expect(text).toContain(`driftless_agent_insecure{cluster="c1"} ${value}`);
  });
});
