import { DEFAULT_BUNDLE_LIMITS, encodeBundle } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { deployNodeOptions } from './agent-memory-real.js';
import { realisticBundle } from './realistic-bundle.js';

describe('agent memory bench, real mode', () => {
  it('measures at the bundle limits by default: 5,000 objects of several kinds just under 8 MiB, which the hub would publish', () => {
    const objects = realisticBundle(5000, 8 * 1024 * 1024 - 64 * 1024);
    const encoded = encodeBundle(objects, DEFAULT_BUNDLE_LIMITS);
    expect(objects).toHaveLength(DEFAULT_BUNDLE_LIMITS.maxObjects);
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(['Namespace', 'Deployment', 'Service', 'ConfigMap']));
    expect(encoded.canonical.byteLength).toBeGreaterThan(DEFAULT_BUNDLE_LIMITS.maxDecompressedBytes * 0.95);
    expect(objects.filter((o) => JSON.stringify(o).length > 256 * 1024).length).toBeGreaterThan(0);
  });

  it('runs the agent with the Node flags agent/deploy sets, heap cap included', async () => {
    const flags = await deployNodeOptions();
    expect(flags.some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
  });
});
