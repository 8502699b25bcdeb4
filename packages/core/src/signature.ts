import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes } from './canonical-json.js';
import { parseDocument, parseJson } from './documents/common.js';
import { pointerSchema, type Pointer, type UnsignedPointer } from './documents/pointer.js';
import { DriftlessError } from './errors.js';

const PREFIX = 'ed25519:';
/** Only {@link PointerVerifier.unsigned} passes it: no caller can make a verifier without keys by mistake. */
const UNSIGNED: unique symbol = Symbol('unsigned');

/** The bytes a pointer signature covers: canonical JSON of the pointer without `signature`. */
export function pointerSigningBytes(pointer: Readonly<Record<string, unknown>>): Uint8Array {
  const { signature: _omit, ...rest } = pointer;
  return canonicalBytes(rest);
}

/**
 * `ed25519:<base64>`: the signature of a signed document (a pointer, an audit
 * entry) by `key` (an Ed25519 private key), over the canonical JSON of `doc`
 * without its `signature` field.
 */
export function documentSignature(doc: Readonly<Record<string, unknown>>, key: KeyObject): string {
  return `${PREFIX}${sign(null, pointerSigningBytes(doc), key).toString('base64')}`;
}

/**
 * Whether `doc.signature` (`ed25519:<base64>`) verifies over the canonical
 * JSON of `doc` without it with any of `keys`; false when it is absent or malformed.
 */
export function documentSignatureValid(doc: Readonly<Record<string, unknown>>, keys: readonly KeyObject[]): boolean {
  const signature = doc['signature'];
  if (typeof signature !== 'string' || !signature.startsWith(PREFIX)) return false;
  const sig = Buffer.from(signature.slice(PREFIX.length), 'base64');
  const bytes = pointerSigningBytes(doc);
  return sig.byteLength === 64 && keys.some((key) => verify(null, bytes, key, sig));
}

/** An Ed25519 private key from PEM (PKCS#8). Throws `InvalidKey` for anything else. */
export function parseSigningKey(pem: string): KeyObject {
  return ed25519(() => createPrivateKey(pem), 'private');
}

/** An Ed25519 public key from PEM (SPKI), or the public half of a private key. Throws `InvalidKey`. */
export function parseVerifyKey(pem: string): KeyObject {
  return ed25519(() => createPublicKey(pem), 'public');
}

function ed25519(load: () => KeyObject, what: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = load();
  } catch (err) {
    const reason = `not a PEM ${what} key: ${(err as Error).message}`;
    throw new DriftlessError('InvalidKey', `signing key load failed: ${reason}`, { reason }, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    const reason = `expected an Ed25519 ${what} key, got ${key.asymmetricKeyType ?? 'a symmetric key'}`;
    throw new DriftlessError('InvalidKey', `signing key load failed: ${reason}`, { reason });
  }
  return key;
}

/** `pointer` with its `signature` set by `key` (an Ed25519 private key). */
export function signPointer(pointer: UnsignedPointer, key: KeyObject): Pointer {
  const { signature: _drop, ...unsigned } = pointer as Pointer;
  return { ...unsigned, signature: documentSignature(unsigned, key) };
}

/**
 * Reads pointers for a reader configured with one or more public keys (several
 * while keys are rotated: a pointer passes if any of them verifies it). A
 * pointer passes only if it is valid, carries a signature that verifies over
 * its canonical bytes, is not older than one already accepted for its cluster
 * (no replay of old pointers; a different bundle at an accepted generation is
 * refused as well, while the same bundle re-signed with a later `expiresAt`
 * passes) and, when the caller gives the time, has not expired. Holds the
 * highest accepted generation per cluster in memory; seed it from persisted
 * state with `accepted` (a floor without a bundle accepts that generation with
 * any bundle). {@link PointerVerifier.unsigned} makes one that checks all of
 * this except signatures (insecure mode: pointers still never go backwards).
 */
export class PointerVerifier {
  private readonly highest = new Map<string, { generation: number; bundle: string | undefined }>();
  /** Undefined: signatures are not checked (see {@link PointerVerifier.unsigned}). */
  private readonly keys: readonly KeyObject[] | undefined;

  constructor(key: KeyObject | readonly KeyObject[] | typeof UNSIGNED, accepted: Iterable<readonly [cluster: string, generation: number, bundle?: string | undefined]> = []) {
    this.keys = key === UNSIGNED ? undefined : Array.isArray(key) ? key : [key as KeyObject];
    for (const [cluster, generation, bundle] of accepted) this.highest.set(cluster, { generation, bundle });
  }

  /**
   * A verifier without keys, for a reader that accepts unsigned pointers
   * (`--insecure-skip-verify`): no signature is checked, but the cluster, the
   * replay floor (generation) and the expiry are, exactly as with keys.
   */
  static unsigned(accepted: Iterable<readonly [cluster: string, generation: number, bundle?: string | undefined]> = []): PointerVerifier {
    return new PointerVerifier(UNSIGNED, accepted);
  }

  /** The highest generation accepted for `cluster`, or undefined. */
  acceptedGeneration(cluster: string): number | undefined {
    return this.highest.get(cluster)?.generation;
  }

  /**
   * Validates and verifies the raw JSON value of a pointer read for
   * `expectedCluster`; `now` (ms since the epoch) also refuses it from its
   * `expiresAt` on. Throws (all stalled) `InvalidDocument`,
   * `SignatureMissing`, `SignatureInvalid` (also for a validly signed pointer of
   * another cluster copied into this cluster's place; `InvalidDocument` for
   * that without keys), `GenerationReplayed` or `PointerExpired`; records the
   * generation as accepted only when it passes.
   */
  verify(raw: unknown, subject: string, expectedCluster: string, now?: number): Pointer {
    const pointer = parseDocument(pointerSchema, raw, subject);
    if (this.keys) this.checkSignature(pointer, raw, subject, expectedCluster, this.keys);
    else refuseOtherCluster(pointer, subject, expectedCluster);
    const { cluster, generation } = pointer;
    const seen = this.highest.get(cluster);
    if (seen && (generation < seen.generation || (generation === seen.generation && seen.bundle !== undefined && pointer.bundle !== seen.bundle))) {
      const why = generation < seen.generation ? 'older than' : 'a different pointer at';
      throw new DriftlessError(
        'GenerationReplayed',
        `${subject} verify failed: generation ${generation} is ${why} the accepted generation ${seen.generation} (replayed pointer)`,
        { cluster, generation, accepted: seen.generation },
      );
    }
    if (now !== undefined) refuseExpired(pointer, subject, now);
    this.highest.set(cluster, { generation, bundle: pointer.bundle });
    return pointer;
  }

  private checkSignature(pointer: Pointer, raw: unknown, subject: string, expectedCluster: string, keys: readonly KeyObject[]): void {
    const { cluster, generation } = pointer;
    if (cluster !== expectedCluster) {
      const reason = `the pointer is for cluster ${cluster}, not ${expectedCluster}`;
      throw new DriftlessError('SignatureInvalid', `${subject} verify failed: ${reason}`, { cluster: expectedCluster, generation, reason });
    }
    if (pointer.signature === undefined) {
      throw new DriftlessError('SignatureMissing', `${subject} verify failed: the pointer is not signed and a verify key is configured`, {
        cluster,
        generation,
      });
    }
    if (!documentSignatureValid(raw as Record<string, unknown>, keys)) {
      const reason = `the signature does not match the pointer and the configured ${keys.length > 1 ? 'keys' : 'key'} (tampered, or signed with another key)`;
      throw new DriftlessError('SignatureInvalid', `${subject} verify failed: ${reason}`, { cluster, generation, reason });
    }
  }
}

/** Throws `InvalidDocument` when an unsigned reader's pointer names another cluster. */
function refuseOtherCluster(pointer: Pointer, subject: string, cluster: string): void {
  if (pointer.cluster === cluster) return;
  const message = `the pointer is for cluster ${pointer.cluster}, not ${cluster}`;
  throw new DriftlessError('InvalidDocument', `${subject} read failed: cluster: ${message}`, { subject, issues: [{ path: 'cluster', message }] });
}

/** Throws `PointerExpired` when `pointer` has an `expiresAt` at or before `now` (ms since the epoch). */
export function refuseExpired(pointer: Pointer, subject: string, now: number): void {
  if (pointer.expiresAt === undefined || Date.parse(pointer.expiresAt) > now) return;
  const { cluster, generation, publishedAt, expiresAt } = pointer;
  throw new DriftlessError(
    'PointerExpired',
    `${subject} verify failed: it expired at ${expiresAt} (generation ${generation}, published ${publishedAt}); the hub must re-sign it (driftless hub resign)`,
    { cluster, generation, publishedAt, expiresAt },
  );
}

/**
 * Reads the pointer of `cluster` from its bytes; it must name that cluster.
 * With a verifier, the signature and generation are checked too (see
 * {@link PointerVerifier.verify}); with `now` (ms since the epoch), an
 * expired pointer is refused (`PointerExpired`), signed or not.
 */
export function decodePointer(bytes: Uint8Array, subject: string, cluster: string, verifier?: PointerVerifier, now?: number): Pointer {
  const raw = parseJson(bytes, subject);
  if (verifier) return verifier.verify(raw, subject, cluster, now);
  const pointer = parseDocument(pointerSchema, raw, subject);
  refuseOtherCluster(pointer, subject, cluster);
  if (now !== undefined) refuseExpired(pointer, subject, now);
  return pointer;
}
