import { describe, expect, it } from 'vitest';
import { labelSelectorSchema, selectorMatches, type LabelSelector } from './selector.js';

const labels = { env: 'prod', region: 'eu', ring: '1' };

describe('selectorMatches (Kubernetes label-selector semantics)', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['an empty selector matches everything', {}, true],
    ['matchLabels: all pairs equal', { matchLabels: { env: 'prod', region: 'eu' } }, true],
    ['matchLabels: one pair differs', { matchLabels: { env: 'prod', region: 'us' } }, false],
    ['matchLabels: label absent', { matchLabels: { tier: 'web' } }, false],
    ['In: value listed', { matchExpressions: [{ key: 'region', operator: 'In', values: ['us', 'eu'] }] }, true],
    ['In: value not listed', { matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] }, false],
    ['In: label absent', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, false],
    ['NotIn: value not listed', { matchExpressions: [{ key: 'ring', operator: 'NotIn', values: ['0'] }] }, true],
    ['NotIn: value listed', { matchExpressions: [{ key: 'ring', operator: 'NotIn', values: ['1'] }] }, false],
    ['NotIn: label absent matches', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'ring', operator: 'Exists' }] }, true],
    ['Exists: absent', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist: present', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions are ANDed', { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'ring', operator: 'In', values: ['2'] }] }, false],
  ])('%s', (_what, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'In' }] }],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }],
    [{ matchExpressions: [{ key: 'a', operator: 'Matches', values: ['x'] }] }],
    [{ matchLabel: { a: 'b' } }],
  ])('refuses the malformed selector %j', (selector) => {
    expect(labelSelectorSchema.safeParse(selector).success).toBe(false);
  });
});
