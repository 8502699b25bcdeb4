import { MemoryObjectStore } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { bundleRewriter } from './flag-republish.js';

describe('bundleRewriter (review 14b #5)', () => {
  it('refuses to rewrite a bundle whose blob is gone, instead of leaving the pointer without the override', async () => {
    const gone = `sha256:${'1'.repeat(64)}` as const;
    const overrides = new Map(Object.entries({ a: { variant: 'off', actor: 'oncall', at: '2030-01-01T00:00:00.000Z', reason: 'incident' } }));
    await expect(bundleRewriter(new MemoryObjectStore()).rewrite(gone, overrides)).rejects.toMatchObject({ code: 'Internal', message: expect.stringContaining(gone) });
  });
});
