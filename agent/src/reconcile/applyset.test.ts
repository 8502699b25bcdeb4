import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { applySetId, asMember, groupKindOf, inventoryOf, memberKinds, parentObject } from './applyset.js';

const o = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('ApplySet (KEP-3659)', () => {
  it('derives the id kubectl would for a ConfigMap parent', () => {
    // sha256("driftless-applyset.driftless-system.ConfigMap.") in base64url, as KEP-3659 specifies.
    expect(applySetId({ name: 'driftless-applyset', namespace: 'driftless-system' })).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/);
    expect(applySetId({ name: 'a', namespace: 'b' })).not.toBe(applySetId({ name: 'a', namespace: 'c' }));
  });

  it('labels members and lists their group-kinds and namespaces on the parent', () => {
    const parent = { name: 'driftless-applyset', namespace: 'driftless-system' };
    const id = applySetId(parent);
    const members = [o('apps/v1', 'Deployment', 'api', 'web'), o('v1', 'Namespace', 'web'), o('v1', 'ConfigMap', 'c', 'other')].map((m) => asMember(m, id));
    expect(members[0]?.metadata['labels']).toEqual({ 'applyset.kubernetes.io/part-of': id });
    const p = parentObject(parent, inventoryOf(members), 'driftless/v0.1.0');
    expect(p.metadata['labels']).toEqual({ 'applyset.kubernetes.io/id': id });
    expect(p.metadata['annotations']).toMatchObject({
      'applyset.kubernetes.io/contains-group-kinds': 'ConfigMap,Deployment.apps,Namespace',
      'applyset.kubernetes.io/additional-namespaces': 'other,web',
      'applyset.kubernetes.io/tooling': 'driftless/v0.1.0',
    });
    expect(memberKinds(p)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'v1', kind: 'Namespace' },
    ]);
    expect(groupKindOf('v1', 'Service')).toBe('Service');
  });

  it('annotates a member with the first 20 hex digits of the object\u2019s digest, as earlier versions did (else an upgrade re-applies every object)', () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'web', labels: { tier: '\u00e9' } }, data: { b: '1', a: '\u00fc\u{1F600}' } };
    const member = asMember(obj, 'applyset-x-v1');
    // sha256 of the canonical JSON of `obj`, golden from the first release of the annotation.
    expect(member.metadata['annotations']).toEqual({ 'driftless.dev/desired-digest': '2da6358e25d8abc5c21e' });
    expect(member.metadata['labels']).toEqual({ tier: '\u00e9', 'applyset.kubernetes.io/part-of': 'applyset-x-v1' });
  });
});
