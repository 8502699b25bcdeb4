import { gzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildBundle, decodeBundle, DEFAULT_BUNDLE_LIMITS, encodeBundle, encodeValidatedBundle } from './bundle-codec.js';
import { canonicalBytes } from './canonical-json.js';
import { digestOf } from './digest.js';
import { errorCodeOf } from './error-code-of.js';
import { isDriftlessError, type DriftlessError } from './errors.js';

const YAML_A = `
apiVersion: v1
kind: Namespace
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
  labels: {app: api, tier: backend}
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/example/api:1.2.3
          args: ["--port", "8080"]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: web}
data:
  color: blue
  greeting: "héllo"
`;

// The same objects: other file order, key order, quoting, flow vs block style, comments.
const YAML_B = `
# settings first this time
kind: ConfigMap
apiVersion: v1
data: {greeting: héllo, color: 'blue'}
metadata:
  namespace: web
  name: settings
---
kind: Deployment
metadata:
  namespace: web
  name: api
  labels:
    tier: backend
    app: api
apiVersion: "apps/v1"
spec:
  template:
    spec:
      containers:
      - image: "ghcr.io/example/api:1.2.3"
        name: api
        args:
        - --port
        - "8080"
    metadata: {labels: {app: api}}
  selector: {matchLabels: {app: api}}
  replicas: 3
---
metadata: {name: web}
kind: Namespace
apiVersion: v1
`;

const parse = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);

/**
 * The digest of YAML_A's objects, fixed here: a change means every published
 * bundle would change. Cross-checked with an independent implementation (PyYAML,
 * then Python's sorted compact JSON, which equals RFC 8785 for this data).
 */
const GOLDEN = 'sha256:ea60c832382480baee695b4db33565a8a7defd3c2cb5a78c20e806151fbd7354';

describe('bundle digest', () => {
  it('is the golden digest for a fixed set of objects', () => {
    expect(encodeBundle(parse(YAML_A)).digest).toBe(GOLDEN);
  });

  it('does not change with YAML formatting, key order or object order', () => {
    expect(encodeBundle(parse(YAML_B)).digest).toBe(GOLDEN);
    expect(encodeBundle(parse(YAML_A).reverse()).digest).toBe(GOLDEN);
  });

  it('changes when any value changes', () => {
    const changed = parse(YAML_A.replace('replicas: 3', 'replicas: 4'));
    expect(encodeBundle(changed).digest).not.toBe(GOLDEN);
  });

  it('sorts objects by group, kind, namespace and name', () => {
    const kinds = buildBundle(parse(YAML_A)).objects.map((o) => `${o.apiVersion} ${o.kind}`);
    expect(kinds).toEqual(['v1 ConfigMap', 'v1 Namespace', 'apps/v1 Deployment']);
  });
});

describe('encodeValidatedBundle', () => {
  it('gives exactly the RFC 8785 bytes of the whole bundle, reusing cached object texts', () => {
    const objects = buildBundle(parse(YAML_A)).objects.slice().reverse();
    const cache = new WeakMap<object, Uint8Array>();
    const fast = encodeValidatedBundle(objects, cache);
    expect(fast.digest).toBe(GOLDEN);
    // The library's canonicalization of the whole document, independent of the per-object concatenation.
    expect(fast.canonical).toEqual(canonicalBytes(buildBundle(objects)));
    expect(encodeValidatedBundle(objects, cache).digest).toBe(GOLDEN);
    expect(decodeBundle(fast.compressed, fast.digest)).toEqual(encodeBundle(objects).bundle);
  });

  it('gives the whole bundle\'s canonical bytes for text beyond ASCII, joined from cached per-object bytes', () => {
    const cm = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' }, data: { v: value } });
    const objects = [cm('b', 'zürich \u{1F600} \u2028'), cm('a', '\u00e9\u0000"\\'), cm('c', '')];
    const cache = new WeakMap<object, Uint8Array>();
    encodeValidatedBundle(objects.slice(1), cache);
    expect(encodeValidatedBundle(objects, cache).canonical).toEqual(canonicalBytes(buildBundle(objects)));
    expect(encodeValidatedBundle([], cache).canonical).toEqual(canonicalBytes(buildBundle([])));
  });

  it('refuses a duplicate object', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'web' } };
    expect(() => encodeValidatedBundle([cm, { ...cm }], new WeakMap())).toThrow('ConfigMap/web/a appears twice');
  });
});

describe('bundle decode', () => {
  const encoded = encodeBundle(parse(YAML_A));

  it('returns the bundle of a blob that matches its digest', () => {
    expect(decodeBundle(encoded.compressed, encoded.digest)).toEqual(encoded.bundle);
  });

  it.each([0, 10, 100, 200])('detects a blob changed by one byte at compressed offset %i, and returns nothing', (offset) => {
    const tampered = Uint8Array.from(encoded.compressed);
    tampered[offset % tampered.length] = (tampered[offset % tampered.length] ?? 0) ^ 0x01;
    expect(errorCodeOf(() => decodeBundle(tampered, encoded.digest))).toBe('DigestMismatch');
  });

  it('detects valid content stored under another digest, naming both', () => {
    const other = encodeBundle([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }]);
    let error: DriftlessError<'DigestMismatch'> | undefined;
    try {
      decodeBundle(other.compressed, encoded.digest);
    } catch (err) {
      if (isDriftlessError(err, 'DigestMismatch')) error = err;
    }
    expect(error?.data).toMatchObject({ expected: encoded.digest, actual: other.digest });
    expect(error?.errorClass).toBe('stalled');
  });

  it('refuses a decompression bomb at the decompressed limit, before it fills memory', () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    const digest = digestOf(new Uint8Array(0));
    const limits = { ...DEFAULT_BUNDLE_LIMITS, maxCompressedBytes: 1024 * 1024, maxDecompressedBytes: 1024 * 1024 };
    expect(bomb.byteLength).toBeLessThan(limits.maxCompressedBytes);
    expect(errorCodeOf(() => decodeBundle(bomb, digest, limits))).toBe('TooLarge');
  });

  it('refuses a blob over the compressed limit without reading it', () => {
    const limits = { ...DEFAULT_BUNDLE_LIMITS, maxCompressedBytes: 64, maxDecompressedBytes: 1024 * 1024 };
    expect(errorCodeOf(() => decodeBundle(encoded.compressed, encoded.digest, limits))).toBe('TooLarge');
  });

  it('refuses a bundle of another apiVersion, naming the field', () => {
    const bytes = new TextEncoder().encode('{"apiVersion":"driftless.dev/v9","kind":"Bundle","objects":[]}');
    const digest = digestOf(bytes);
    expect(() => decodeBundle(gzipSync(bytes), digest)).toThrow(/apiVersion: unsupported apiVersion "driftless.dev\/v9"/);
  });
});

describe('bundle build', () => {
  it('refuses the same object twice, naming it', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'web' } };
    expect(() => buildBundle([cm, { ...cm, data: { x: '1' } }])).toThrow('ConfigMap/web/a appears twice');
  });

  it('refuses an object without metadata.name, naming the field', () => {
    expect(() => buildBundle([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }])).toThrow(
      /bundle object \[0\] read failed: metadata\.name/,
    );
  });

  it('refuses to encode a bundle of more objects than the limit, naming the limit', () => {
    const cms = [1, 2, 3].map((i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
    expect(() => encodeBundle(cms, { ...DEFAULT_BUNDLE_LIMITS, maxObjects: 2 })).toThrow(/^bundle sha256:[0-9a-f]{64} encode failed: it holds 3 objects, over the limit of 2 objects$/);
    expect(encodeBundle(cms, { ...DEFAULT_BUNDLE_LIMITS, maxObjects: 3 }).bundle.objects).toHaveLength(3);
  });

  it('refuses to read a bundle of more objects than the limit, as stalled', () => {
    const cms = [1, 2, 3].map((i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
    const encoded = encodeBundle(cms);
    let error: unknown;
    try {
      decodeBundle(encoded.compressed, encoded.digest, { ...DEFAULT_BUNDLE_LIMITS, maxObjects: 2 });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'TooLarge', errorClass: 'stalled', message: `bundle ${encoded.digest} read failed: it holds 3 objects, over the limit of 2 objects` });
  });

  it('refuses to encode a bundle readers would refuse as too large', () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: 'x'.repeat(4096) } };
    expect(errorCodeOf(() => encodeBundle([big], { ...DEFAULT_BUNDLE_LIMITS, maxCompressedBytes: 1 << 20, maxDecompressedBytes: 1024 }))).toBe('TooLarge');
  });
});
