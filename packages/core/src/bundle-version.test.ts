import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { buildBundle, decodeBundle, encodeBundle, encodeValidatedBundle } from './bundle-codec.js';
import { canonicalBytes } from './canonical-json.js';
import { digestOf } from './digest.js';
import { BUNDLE_API_VERSION, DEFAULT_NAMESPACE_ANNOTATION, UNPLACED_BUNDLE_API_VERSION } from './documents/bundle.js';
import { kubeObjectSchema, type KubeObject } from './documents/kube-object.js';

/**
 * The one bundle apiVersion agents before the placement annotation read,
 * copied from their schema (`git show a9f52e4:packages/core/src/documents/common.ts`:
 * `z.literal('driftless.dev/v1alpha1')` in `apiVersionField`, which
 * `bundleSchema` used). Such an agent places an object without a namespace
 * in `default` and prunes the live one in the app's namespace, so it must
 * refuse every bundle that has one.
 */
const OLD_AGENT_BUNDLE_API_VERSION = 'driftless.dev/v1alpha1';

/** The bundle schema of agents before the placement annotation, as it was (see above). */
const oldAgentBundleSchema = z.object({
  apiVersion: z.literal(OLD_AGENT_BUNDLE_API_VERSION),
  kind: z.literal('Bundle'),
  objects: z.array(kubeObjectSchema),
});

const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'web' } };
/** A Certificate whose CRD is not in the bundle, placed by the manifest. */
const placedCert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls', namespace: 'web' } };
/** The same Certificate as the hub now sends it when the manifest names no namespace. */
const unplacedCert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls', annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: 'web' } } };
/** Another annotation does not make an object unplaced. */
const annotatedCm = { ...cm, metadata: { ...cm.metadata, annotations: { 'example.com/owner': 'team-a' } } };

/** What an agent of the previous version does with the blob: digest, gunzip, then its schema. */
function oldAgentAccepts(canonical: Uint8Array): boolean {
  return oldAgentBundleSchema.safeParse(JSON.parse(new TextDecoder().decode(canonical))).success;
}

describe('bundle apiVersion by placement', () => {
  it.each<[string, KubeObject[], boolean]>([
    ['no objects', [], false],
    ['placed objects only', [ns, cm, placedCert], false],
    ['an object with other annotations', [ns, annotatedCm], false],
    ['one unplaced object among placed ones', [ns, cm, unplacedCert], true],
    ['only an unplaced object', [unplacedCert], true],
  ])('%s: the new apiVersion iff some object is unplaced, and old agents refuse exactly those', (_what, objects, unplaced) => {
    const encoded = encodeBundle(objects);
    const expected = unplaced ? UNPLACED_BUNDLE_API_VERSION : BUNDLE_API_VERSION;
    expect(encoded.bundle.apiVersion).toBe(expected);
    expect(buildBundle(objects).apiVersion).toBe(expected);
    expect(encodeValidatedBundle(objects, new WeakMap()).digest).toBe(encoded.digest);
    // The digest is over the whole canonical document, apiVersion included.
    expect(encoded.canonical).toEqual(canonicalBytes(buildBundle(objects)));
    expect(decodeBundle(encoded.compressed, encoded.digest)).toEqual(encoded.bundle);
    expect(oldAgentAccepts(encoded.canonical)).toBe(!unplaced);
  });

  it('keeps the apiVersion of bundles without unplaced objects, so their digests do not change', () => {
    expect(BUNDLE_API_VERSION).toBe(OLD_AGENT_BUNDLE_API_VERSION);
    expect(UNPLACED_BUNDLE_API_VERSION).not.toBe(OLD_AGENT_BUNDLE_API_VERSION);
  });

  it('reads a bundle of either apiVersion, whoever wrote it', () => {
    for (const apiVersion of [BUNDLE_API_VERSION, UNPLACED_BUNDLE_API_VERSION]) {
      const bytes = canonicalBytes({ apiVersion, kind: 'Bundle', objects: [placedCert] });
      expect(decodeBundle(gzipSync(bytes), digestOf(bytes)).apiVersion).toBe(apiVersion);
    }
  });

  it('names both apiVersions it reads when refusing another', () => {
    const bytes = canonicalBytes({ apiVersion: 'driftless.dev/v9', kind: 'Bundle', objects: [] });
    expect(() => decodeBundle(gzipSync(bytes), digestOf(bytes))).toThrow(
      `apiVersion: unsupported apiVersion "driftless.dev/v9"; this reader understands ${BUNDLE_API_VERSION} and ${UNPLACED_BUNDLE_API_VERSION}`,
    );
  });
});
