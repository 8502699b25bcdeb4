import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from './canonical-json.js';
import type { Pointer, UnsignedPointer } from './documents/pointer.js';
import { errorCodeOf } from './error-code-of.js';
import { isDriftlessError } from './errors.js';
import { decodePointer, parseSigningKey, parseVerifyKey, PointerVerifier, signPointer } from './signature.js';

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

const ours = keyPair();
const theirs = keyPair();

function pointer(generation: number, bundleHex = 'a'): UnsignedPointer {
  return {
    apiVersion: 'driftless.dev/v1alpha1',
    kind: 'Pointer',
    cluster: 'eu-prod-001',
    bundle: `sha256:${bundleHex.repeat(64).slice(0, 64)}`,
    revision: '0123456789abcdef0123456789abcdef01234567',
    generation,
    publishedAt: '2026-11-22T10:00:00.000Z',
  };
}

const verifier = (): PointerVerifier => new PointerVerifier(ours.publicKey);

describe('pointer signatures', () => {
  it('accept a pointer signed with the matching key', () => {
    const signed = signPointer(pointer(1), ours.privateKey);
    expect(signed.signature).toMatch(/^ed25519:/);
    expect(verifier().verify(signed, 'pointer', 'eu-prod-001')).toEqual(signed);
  });

  it('survive a round trip through JSON with another key order', () => {
    const signed = signPointer(pointer(1), ours.privateKey);
    const reordered = Object.fromEntries(Object.entries(signed).reverse());
    expect(decodePointer(new TextEncoder().encode(JSON.stringify(reordered)), 'pointer', 'eu-prod-001', verifier())).toEqual(signed);
  });

  it.each([
    ['a tampered pointer (other bundle)', () => ({ ...signPointer(pointer(1), ours.privateKey), bundle: `sha256:${'b'.repeat(64)}` }), 'SignatureInvalid'],
    ['a tampered pointer (extra field)', () => ({ ...signPointer(pointer(1), ours.privateKey), note: 'x' }), 'SignatureInvalid'],
    ['a pointer signed with another key', () => signPointer(pointer(1), theirs.privateKey), 'SignatureInvalid'],
    ['a pointer without a signature', () => pointer(1), 'SignatureMissing'],
    ['a pointer whose signature is not 64 bytes', () => ({ ...pointer(1), signature: 'ed25519:AAAA' }), 'SignatureInvalid'],
  ])('refuse %s', (_what, make, code) => {
    expect(errorCodeOf(() => verifier().verify(make(), 'pointer', 'eu-prod-001'))).toBe(code);
  });

  it('refuse a validly signed pointer of another cluster copied into this cluster\'s place', () => {
    const v = verifier();
    v.verify(signPointer(pointer(7), ours.privateKey), 'pointer', 'eu-prod-001');
    const staging = signPointer({ ...pointer(1), cluster: 'staging' }, ours.privateKey);
    expect(errorCodeOf(() => v.verify(staging, 'pointer', 'eu-prod-001'))).toBe('SignatureInvalid');
    expect(() => decodePointer(new TextEncoder().encode(JSON.stringify(staging)), 'pointer', 'eu-prod-001')).toThrow(
      'the pointer is for cluster staging, not eu-prod-001',
    );
  });

  it('refuse a replayed older generation after a newer one was accepted', () => {
    const v = verifier();
    const old = signPointer(pointer(4, 'a'), ours.privateKey);
    v.verify(signPointer(pointer(5, 'b'), ours.privateKey), 'pointer', 'eu-prod-001');
    expect(errorCodeOf(() => v.verify(old, 'pointer', 'eu-prod-001'))).toBe('GenerationReplayed');
    expect(v.acceptedGeneration('eu-prod-001')).toBe(5);
  });

  it('accept the same pointer read twice, but not another pointer at the same generation', () => {
    const v = verifier();
    const p5 = signPointer(pointer(5, 'a'), ours.privateKey);
    v.verify(p5, 'pointer', 'eu-prod-001');
    expect(v.verify(p5, 'pointer', 'eu-prod-001')).toEqual(p5);
    expect(errorCodeOf(() => v.verify(signPointer(pointer(5, 'c'), ours.privateKey), 'pointer', 'eu-prod-001'))).toBe('GenerationReplayed');
  });

  it('start from persisted accepted generations', () => {
    const v = new PointerVerifier(ours.publicKey, [['eu-prod-001', 7, `sha256:${'a'.repeat(64)}`]]);
    expect(errorCodeOf(() => v.verify(signPointer(pointer(6), ours.privateKey), 'pointer', 'eu-prod-001'))).toBe('GenerationReplayed');
  });

  it('accept a pointer that any of several keys verifies (key rotation), and refuse one that none does', () => {
    const rotating = new PointerVerifier([theirs.publicKey, ours.publicKey]);
    expect(rotating.verify(signPointer(pointer(1), ours.privateKey), 'pointer', 'eu-prod-001').generation).toBe(1);
    expect(rotating.verify(signPointer(pointer(2, 'b'), theirs.privateKey), 'pointer', 'eu-prod-001').generation).toBe(2);
    expect(errorCodeOf(() => rotating.verify(signPointer(pointer(3), keyPair().privateKey), 'pointer', 'eu-prod-001'))).toBe('SignatureInvalid');
  });

  it('refuse a validly signed pointer from its expiresAt on, without recording it, and accept it before', () => {
    const expiring = signPointer({ ...pointer(5), expiresAt: '2026-11-23T10:00:00.000Z' }, ours.privateKey);
    const at = Date.parse('2026-11-23T10:00:00.000Z');
    const v = verifier();
    expect(errorCodeOf(() => v.verify(expiring, 'pointer', 'eu-prod-001', at))).toBe('PointerExpired');
    expect(v.acceptedGeneration('eu-prod-001')).toBeUndefined();
    expect(v.verify(expiring, 'pointer', 'eu-prod-001', at - 1).generation).toBe(5);
    const bytes = new TextEncoder().encode(JSON.stringify(expiring));
    expect(() => decodePointer(bytes, 'pointer p', 'eu-prod-001', undefined, at)).toThrow(
      'pointer p verify failed: it expired at 2026-11-23T10:00:00.000Z (generation 5, published 2026-11-22T10:00:00.000Z); the hub must re-sign it (driftless hub resign)',
    );
  });

  it('accept a re-signed pointer (same generation and bundle, later expiresAt), still refusing another bundle at that generation', () => {
    const v = verifier();
    v.verify(signPointer({ ...pointer(5), expiresAt: '2026-11-23T10:00:00.000Z' }, ours.privateKey), 'pointer', 'eu-prod-001');
    const resigned = signPointer({ ...pointer(5), expiresAt: '2026-11-24T10:00:00.000Z' }, ours.privateKey);
    expect(v.verify(resigned, 'pointer', 'eu-prod-001', Date.parse('2026-11-23T12:00:00.000Z')).expiresAt).toBe('2026-11-24T10:00:00.000Z');
    const other = signPointer({ ...pointer(5, 'c'), expiresAt: '2026-11-24T10:00:00.000Z' }, ours.privateKey);
    expect(errorCodeOf(() => v.verify(other, 'pointer', 'eu-prod-001'))).toBe('GenerationReplayed');
  });

  it('start from a floor without a bundle: that generation or newer, with any bundle', () => {
    const v = new PointerVerifier(ours.publicKey, [['eu-prod-001', 7]]);
    expect(errorCodeOf(() => v.verify(signPointer(pointer(6), ours.privateKey), 'pointer', 'eu-prod-001'))).toBe('GenerationReplayed');
    expect(v.verify(signPointer(pointer(7, 'd'), ours.privateKey), 'pointer', 'eu-prod-001').generation).toBe(7);
  });

  it('give each refusal a distinct code, all stalled', () => {
    const v = verifier();
    v.verify(signPointer(pointer(3), ours.privateKey), 'pointer', 'eu-prod-001');
    const errors = [
      () => v.verify({ ...signPointer(pointer(4), ours.privateKey), generation: 9 }, 'pointer', 'eu-prod-001'),
      () => v.verify(pointer(4), 'pointer', 'eu-prod-001'),
      () => v.verify(signPointer(pointer(2), ours.privateKey), 'pointer', 'eu-prod-001'),
    ].map((fn) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      return undefined;
    });
    expect(errors.map((e) => (isDriftlessError(e) ? [e.code, e.errorClass] : e))).toEqual([
      ['SignatureInvalid', 'stalled'],
      ['SignatureMissing', 'stalled'],
      ['GenerationReplayed', 'stalled'],
    ]);
  });

  it('without keys (insecure mode) accept unsigned pointers, yet still refuse an older generation, another bundle at it, another cluster and an expired one', () => {
    const unsigned = PointerVerifier.unsigned([['eu-prod-001', 2]]);
    const codeOf = (p: UnsignedPointer, now?: number) => errorCodeOf(() => unsigned.verify(p, 'pointer', 'eu-prod-001', now));
    expect(codeOf(pointer(1))).toBe('GenerationReplayed');
    expect(codeOf(pointer(3))).toBeUndefined();
    expect(unsigned.acceptedGeneration('eu-prod-001')).toBe(3);
    expect(codeOf(pointer(3, 'b'))).toBe('GenerationReplayed');
    expect(codeOf(signPointer(pointer(4), theirs.privateKey))).toBeUndefined();
    expect(codeOf({ ...pointer(5), cluster: 'us-prod-002' })).toBe('InvalidDocument');
    expect(codeOf({ ...pointer(5), expiresAt: '2026-11-22T00:00:00.000Z' }, Date.parse('2026-11-22T00:00:00.000Z'))).toBe('PointerExpired');
    expect(unsigned.acceptedGeneration('eu-prod-001')).toBe(4);
  });

  it('sign the canonical pointer without its signature field', () => {
    const signed: Pointer = signPointer(pointer(1), ours.privateKey);
    const { signature: _s, ...rest } = signed;
    expect(canonicalBytes(rest)).toEqual(canonicalBytes(pointer(1)));
  });
});

describe('signing keys', () => {
  it('load Ed25519 keys from PEM', () => {
    const pem = ours.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pub = ours.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(parseSigningKey(pem).asymmetricKeyType).toBe('ed25519');
    expect(parseVerifyKey(pub).asymmetricKeyType).toBe('ed25519');
  });

  it.each([
    ['garbage', 'not a key'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
  ])('refuse %s with InvalidKey', (_what, pem) => {
    expect(errorCodeOf(() => parseSigningKey(pem))).toBe('InvalidKey');
  });
});
