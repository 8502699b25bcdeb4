import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson } from './canonical-json.js';
import { digestOf, type Digest } from './digest.js';
import { parseDocument, parseJsonDocument } from './documents/common.js';
import { bundleApiVersionOf, bundleSchema, type Bundle } from './documents/bundle.js';
import { compareRefs, describeRef, kubeObjectSchema, refKey, refOf, type KubeObject } from './documents/kube-object.js';
import { DriftlessError } from './errors.js';

/**
 * Limits that protect readers (and keep writers from publishing what readers
 * would refuse). A decompression bomb stops at `maxDecompressedBytes` inside
 * zlib, before it can fill memory. The defaults are chosen so that an agent
 * in its documented 256 MiB (heap capped at 112 MiB, agent/deploy) holds a
 * maximal bundle: `driftless bench agent-memory --real` measured a peak of
 * 186 MiB resident for 5,000 objects in 7.9 MiB against a real
 * kube-apiserver, first apply and a drift pass (bench/RESULTS.md).
 */
export interface BundleLimits {
  /** Largest gzip blob accepted, bytes. Default 8 MiB. */
  readonly maxCompressedBytes: number;
  /** Largest canonical JSON accepted after gunzip, bytes. Default 8 MiB. */
  readonly maxDecompressedBytes: number;
  /** Most objects a bundle may hold. Default 5,000. */
  readonly maxObjects: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxCompressedBytes: 8 * 1024 * 1024,
  maxDecompressedBytes: 8 * 1024 * 1024,
  maxObjects: 5_000,
};

/** A bundle ready to store: its digest, canonical bytes, and the gzip blob written under the digest. */
export interface EncodedBundle {
  readonly digest: Digest;
  readonly bundle: Bundle;
  /** RFC 8785 canonical JSON; the digest is over these bytes. */
  readonly canonical: Uint8Array;
  /** gzip of `canonical`: the blob's content. */
  readonly compressed: Uint8Array;
}

/**
 * The bundle of `objects`: each validated (apiVersion, kind, metadata.name),
 * sorted by (group, kind, namespace, name), of the apiVersion they need (see
 * bundleApiVersionOf). The same objects give the same bundle whatever their
 * order or key order. Throws `InvalidDocument` naming the
 * object when one is malformed or when two share group/kind/namespace/name.
 */
export function buildBundle(objects: readonly unknown[]): Bundle {
  const parsed = objects.map((o, i) => parseDocument(kubeObjectSchema, o, `bundle object [${i}]`));
  const sorted = [...parsed].sort((a, b) => compareRefs(refOf(a), refOf(b)));
  for (let i = 1; i < sorted.length; i++) {
    const [prev, cur] = [sorted[i - 1] as KubeObject, sorted[i] as KubeObject];
    if (refKey(refOf(prev)) === refKey(refOf(cur))) {
      const what = describeRef(refOf(cur));
      throw new DriftlessError('InvalidDocument', `bundle build failed: ${what} appears twice`, {
        subject: 'bundle',
        issues: [{ path: 'objects', message: `${what} appears twice` }],
      });
    }
  }
  return { apiVersion: bundleApiVersionOf(sorted), kind: 'Bundle', objects: sorted };
}

/**
 * Builds, canonicalizes, digests and gzips a bundle. Throws `TooLarge` when the
 * result is over `limits`, so a hub never publishes what agents would refuse.
 */
export function encodeBundle(objects: readonly unknown[], limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): EncodedBundle {
  return encodeValidatedBundle(buildBundle(objects).objects, new WeakMap<object, Uint8Array>(), limits);
}

/**
 * Canonical JSON (UTF-8) of objects by identity, shared by the bundles of one
 * compile: see encodeValidatedBundle.
 */
export type CanonicalCache = WeakMap<object, Uint8Array>;

const encoder = new TextEncoder();

/**
 * {@link encodeBundle} for objects that are already valid Kubernetes objects
 * (what the compiler's assembly returns), many of them shared between
 * clusters: each object's canonical JSON is computed and encoded once and
 * kept in `cache` by object identity, and a bundle's canonical bytes are the
 * concatenation (UTF-8 of a concatenation is the concatenation of the UTF-8).
 * Gives exactly the bytes and digest that encodeBundle gives; throws
 * `InvalidDocument` on a duplicate object and `TooLarge` over `limits`.
 */
export function encodeValidatedBundle(objects: readonly KubeObject[], cache: CanonicalCache, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): EncodedBundle {
  const entries = objects.map((o) => ({ o, ref: refOf(o), key: '' }));
  const tooMany = objects.length > limits.maxObjects;
  for (const e of entries) e.key = refKey(e.ref);
  entries.sort((a, b) => compareRefs(a.ref, b.ref));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as (typeof entries)[number];
    if (i > 0 && entries[i - 1]?.key === e.key) {
      const what = describeRef(e.ref);
      throw new DriftlessError('InvalidDocument', `bundle build failed: ${what} appears twice`, {
        subject: 'bundle',
        issues: [{ path: 'objects', message: `${what} appears twice` }],
      });
    }
    let bytes = cache.get(e.o);
    if (bytes === undefined) {
      bytes = encoder.encode(canonicalJson(e.o));
      cache.set(e.o, bytes);
    }
    parts.push(bytes);
  }
  // RFC 8785 orders the bundle's keys apiVersion < kind < objects.
  const apiVersion = bundleApiVersionOf(objects);
  const canonical = joinJson(encoder.encode(`{"apiVersion":${JSON.stringify(apiVersion)},"kind":"Bundle","objects":[`), parts, CLOSE);
  const digest = digestOf(canonical);
  const subject = `bundle ${digest}`;
  if (tooMany) throw tooManyObjects(subject, 'encode', objects.length, limits.maxObjects);
  if (canonical.byteLength > limits.maxDecompressedBytes) throw tooLarge(subject, 'encode', limits.maxDecompressedBytes, 'decompressed');
  const compressed = new Uint8Array(gzipSync(canonical));
  if (compressed.byteLength > limits.maxCompressedBytes) throw tooLarge(subject, 'encode', limits.maxCompressedBytes, 'compressed');
  return { digest, bundle: { apiVersion, kind: 'Bundle', objects: entries.map((e) => e.o) }, canonical, compressed };
}

const COMMA = 0x2c;
const CLOSE = encoder.encode(']}');

/** `head`, then `parts` separated by commas, then `tail`, in one new array. */
function joinJson(head: Uint8Array, parts: readonly Uint8Array[], tail: Uint8Array): Uint8Array {
  let length = head.byteLength + tail.byteLength + Math.max(0, parts.length - 1);
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  out.set(head, 0);
  let at = head.byteLength;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = COMMA;
    const p = parts[i] as Uint8Array;
    out.set(p, at);
    at += p.byteLength;
  }
  out.set(tail, at);
  return out;
}

/**
 * Reads a blob fetched under `expected`: size check, gunzip with an output cap,
 * digest verification, then schema validation. Nothing is returned unless every
 * check passes. Throws (all stalled): `TooLarge`, `DigestMismatch` (including
 * bytes that are not gzip), `InvalidDocument`.
 */
export function decodeBundle(compressed: Uint8Array, expected: Digest, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Bundle {
  const subject = `bundle ${expected}`;
  if (compressed.byteLength > limits.maxCompressedBytes) {
    throw tooLarge(subject, 'read', limits.maxCompressedBytes, 'compressed');
  }
  let canonical: Uint8Array;
  try {
    canonical = gunzipSync(compressed, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw tooLarge(subject, 'read', limits.maxDecompressedBytes, 'decompressed', err);
    }
    const reason = `not a gzip stream: ${(err as Error).message}`;
    throw new DriftlessError('DigestMismatch', `${subject} read failed: ${reason}`, { subject, expected, reason }, { cause: err });
  }
  const actual = digestOf(canonical);
  if (actual !== expected) {
    throw new DriftlessError('DigestMismatch', `${subject} read failed: content hashes to ${actual}`, {
      subject,
      expected,
      actual,
    });
  }
  const bundle = parseJsonDocument(bundleSchema, canonical, subject);
  if (bundle.objects.length > limits.maxObjects) throw tooManyObjects(subject, 'read', bundle.objects.length, limits.maxObjects);
  return bundle;
}

function tooManyObjects(subject: string, operation: 'read' | 'encode', objects: number, limit: number): DriftlessError<'TooLarge'> {
  return new DriftlessError('TooLarge', `${subject} ${operation} failed: it holds ${objects} objects, over the limit of ${limit} objects`, {
    subject,
    what: 'objects',
    objects,
    limitObjects: limit,
  });
}

function tooLarge(
  subject: string,
  operation: 'read' | 'encode',
  limitBytes: number,
  what: 'compressed' | 'decompressed',
  cause?: unknown,
): DriftlessError<'TooLarge'> {
  return new DriftlessError(
    'TooLarge',
    `${subject} ${operation} failed: ${what} size is over the limit of ${limitBytes} bytes`,
    { subject, limitBytes, what },
    cause === undefined ? undefined : { cause },
  );
}
