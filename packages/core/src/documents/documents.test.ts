import { describe, expect, it } from 'vitest';
import { isDriftlessError } from '../errors.js';
import { parseDocument, parseJsonDocument } from './common.js';
import { pointerSchema } from './pointer.js';
import { revisionRecordSchema } from './revision.js';
import { statusSchema } from './status.js';

const pointer = {
  apiVersion: 'driftless.dev/v1alpha1',
  kind: 'Pointer',
  cluster: 'eu-prod-001',
  bundle: `sha256:${'a'.repeat(64)}`,
  revision: '0123456789abcdef0123456789abcdef01234567',
  generation: 3,
  publishedAt: '2026-11-22T10:00:00.000Z',
};

const status = {
  apiVersion: 'driftless.dev/v1alpha1',
  kind: 'Status',
  cluster: 'eu-prod-001',
  observedGeneration: 3,
  appliedBundle: `sha256:${'a'.repeat(64)}`,
  phase: 'Applied',
  objects: { total: 4, ready: 4, drifted: 0, pruned: 1 },
  agentVersion: '0.1.0',
  heartbeatAt: '2026-11-22T10:00:05.000Z',
};

const revision = {
  apiVersion: 'driftless.dev/v1alpha1',
  kind: 'Revision',
  revision: '0123456789abcdef0123456789abcdef01234567',
  publishedAt: '2026-11-22T10:00:00.000Z',
  clusters: { 'eu-prod-001': `sha256:${'a'.repeat(64)}` },
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return isDriftlessError(err, 'InvalidDocument') ? err.message : `unexpected: ${String(err)}`;
  }
}

describe('documents', () => {
  it('read valid pointers, statuses and revision records', () => {
    expect(parseDocument(pointerSchema, pointer, 'pointer')).toEqual(pointer);
    expect(parseDocument(statusSchema, status, 'status')).toEqual(status);
    expect(parseDocument(revisionRecordSchema, revision, 'revision')).toEqual(revision);
  });

  it('read a Stale status of an insecure agent, naming the expired pointer', () => {
    const stale = { ...status, phase: 'Stale', stale: { generation: 3, publishedAt: '2026-11-20T00:00:00.000Z', expiresAt: '2026-11-21T00:00:00.000Z' }, insecureSkipVerify: true };
    expect(parseDocument(statusSchema, stale, 'status')).toEqual(stale);
    // Agents from 0.2.0 say false when they verify; older ones leave it out (unknown: they verified nothing by default).
    expect(parseDocument(statusSchema, { ...stale, insecureSkipVerify: false }, 'status')).toMatchObject({ insecureSkipVerify: false });
    expect(messageOf(() => parseDocument(statusSchema, { ...stale, insecureSkipVerify: 'no' }, 'status'))).toContain('insecureSkipVerify:');
  });

  it.each([
    ['an unknown apiVersion', { ...pointer, apiVersion: 'driftless.dev/v2' }, 'apiVersion: unsupported apiVersion "driftless.dev/v2"'],
    ['another kind', { ...pointer, kind: 'Status' }, 'kind: expected kind Pointer, got "Status"'],
    ['a generation that is not a positive integer', { ...pointer, generation: 0 }, 'generation:'],
    ['a malformed digest', { ...pointer, bundle: 'sha256:xyz' }, 'bundle: must be sha256:'],
    ['a cluster name that could escape its key', { ...pointer, cluster: '../other' }, 'cluster: must be a DNS subdomain'],
    ['a short revision', { ...pointer, revision: 'abc123' }, 'revision: must be a full git commit id'],
    ['a missing field', { ...pointer, publishedAt: undefined }, 'publishedAt:'],
  ])('refuse a pointer with %s, naming the field', (_what, doc, expected) => {
    const msg = messageOf(() => parseDocument(pointerSchema, doc, 'pointer clusters/eu-prod-001/desired.json'));
    expect(msg).toContain('pointer clusters/eu-prod-001/desired.json read failed: ');
    expect(msg).toContain(expected);
  });

  it.each([
    ['an unknown phase', { ...status, phase: 'Happy' }, 'phase:'],
    ['a negative count', { ...status, objects: { ...status.objects, pruned: -1 } }, 'objects.pruned:'],
  ])('refuse a status with %s, naming the field', (_what, doc, expected) => {
    expect(messageOf(() => parseDocument(statusSchema, doc, 'status'))).toContain(expected);
  });

  it('refuse a revision record whose cluster maps to a malformed digest', () => {
    const doc = { ...revision, clusters: { 'eu-prod-001': 'sha1:abc' } };
    expect(messageOf(() => parseDocument(revisionRecordSchema, doc, 'revision'))).toContain('clusters.eu-prod-001:');
  });

  it('refuse bytes that are not JSON', () => {
    expect(messageOf(() => parseJsonDocument(pointerSchema, new TextEncoder().encode('{"kind":'), 'pointer'))).toContain(
      'pointer read failed: not JSON',
    );
  });
});
