import { describe, expect, it } from 'vitest';
import { renderPreviewVars } from './preview-objects.js';

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
