import { describeRef, DriftlessError, refKey, refOf } from '@driftless/core';
import type { AcceptedBundle, VerifiedBlob } from './agent-state.js';

/**
 * The one desired state of a pointer: the release bundle's objects, then the
 * previews bundle's (when it names one), reconciled together in one ApplySet
 * so a preview that leaves the previews bundle is pruned like any object
 * that left a bundle. Throws `InvalidDocument` (stalled: the same blobs give
 * the same answer) when an object (group, kind, namespace, name) is in both:
 * the hub never builds that, an edited store could, and applying either
 * copy would let one bundle overwrite the other's object.
 */
export function desiredOf(release: VerifiedBlob, previews: VerifiedBlob | undefined): AcceptedBundle {
  if (!previews) return release;
  const inRelease = new Set(release.objects.map((o) => refKey(refOf(o))));
  const shared = previews.objects.find((o) => inRelease.has(refKey(refOf(o))));
  if (shared) {
    const subject = `previews bundle ${previews.digest}`;
    const object = describeRef(refOf(shared));
    const message = `${object} is in both bundle ${release.digest} and ${subject} (an object may come from one of them only)`;
    throw new DriftlessError('InvalidDocument', `${subject} read failed: ${message}`, { subject, issues: [{ path: object, message }] });
  }
  return { digest: release.digest, objects: [...release.objects, ...previews.objects], previews };
}

/** The release bundle of a desired state (see desiredOf): its digest and its own objects, which come first. */
export function releaseOf(bundle: AcceptedBundle): VerifiedBlob {
  const own = bundle.previews ? bundle.objects.slice(0, bundle.objects.length - bundle.previews.objects.length) : bundle.objects;
  return { digest: bundle.digest, objects: own };
}
