import { describe, expect, it } from 'vitest';
import { assemblePreviewObjects, renderPreviewVars } from './preview-objects.js';

describe('renderPreviewVars', () => {
  it.each([
    ['${branch.slug}.example.com', 'feature-a.example.com'],
    ['${ branch.name } on ${cluster.name}', 'feature/A on dev-1'],
    ['$${branch.slug} stays literal', '${branch.slug} stays literal'],
    ['no variables', 'no variables'],
  ])('renders %s', (value, expected) => {
    expect(renderPreviewVars({ v: value }, { slug: 'feature-a', branch: 'feature/A', cluster: 'dev-1' })).toEqual({ v: expected });
  });

  it('gives no vars when spec.previews has none', () => {
    expect(renderPreviewVars(undefined, { slug: 's', branch: 'b', cluster: 'c' })).toEqual({});
  });
});

describe('assemblePreviewObjects', () => {
  const at = { namespace: 'pr-a', slug: 'a', branch: 'feature/a' };
  const namespaceOf = (objects: ReturnType<typeof assemblePreviewObjects>) => objects.find((o) => o.kind === 'Namespace');

  it('labels the preview Namespace pod-security enforce baseline by default', () => {
    expect(namespaceOf(assemblePreviewObjects([], at))?.metadata['labels']).toEqual({ 'driftless.io/preview': 'a', 'pod-security.kubernetes.io/enforce': 'baseline' });
  });

  it.each(['privileged', 'restricted'] as const)('enforces %s when spec.previews.podSecurity says so', (level) => {
    expect(namespaceOf(assemblePreviewObjects([], { ...at, podSecurity: level }))?.metadata['labels']).toMatchObject({ 'pod-security.kubernetes.io/enforce': level });
  });
});
