import { PointerVerifier, signPointer, type UnsignedPointer } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { benchSigningKeys } from './bench-keys.js';

const pointer: UnsignedPointer = {
  apiVersion: 'driftless.dev/v1alpha1',
  kind: 'Pointer',
  cluster: 'c1',
  bundle: `sha256:${'a'.repeat(64)}`,
  revision: '0'.repeat(40),
  generation: 1,
  publishedAt: '2026-11-22T00:00:00.000Z',
};

describe('bench signing keys', () => {
  it('are the same pair for the same seed (same bytes), another for another seed, and verify what they sign', () => {
    const a = benchSigningKeys(7);
    const signed = signPointer(pointer, a.privateKey);
    expect(signPointer(pointer, benchSigningKeys(7).privateKey).signature).toBe(signed.signature);
    expect(signPointer(pointer, benchSigningKeys(8).privateKey).signature).not.toBe(signed.signature);
    expect(new PointerVerifier([benchSigningKeys(7).publicKey]).verify(signed, 'pointer', 'c1').generation).toBe(1);
  });
});
