import { describe, expect, it } from 'vitest';
import { managersOf, serverSideApply } from './server-side-apply.js';

type Json = Record<string, unknown>;

/** Applies configs in turn, as `[manager, config]`, from an empty object. */
function applyAll(steps: [string, Json][]): { object: Json; owners: string[] } {
  let object: Json = {};
  let owners: string[] = [];
  for (const [manager, config] of steps) ({ object, owners } = serverSideApply(object, structuredClone(config), manager, owners));
  return { object, owners };
}

describe('server-side apply', () => {
  it('shares a field set to the same value, so it stays when one manager drops it', () => {
    const { object, owners } = applyAll([
      ['a', { data: { x: '1' } }],
      ['b', { data: { x: '1', y: '2' } }],
      ['b', { data: { y: '2' } }],
    ]);
    expect(object).toEqual({ data: { x: '1', y: '2' } });
    expect(managersOf(owners)).toEqual(['a', 'b']);
  });

  it('forgets a manager that no longer owns anything, and removes the maps it emptied', () => {
    const { object, owners } = applyAll([
      ['a', { metadata: { labels: { l: '1' } }, data: { x: '1' } }],
      ['b', { data: { x: '2' } }],
      ['a', {}],
    ]);
    expect(object).toEqual({ data: { x: '2' } });
    expect(managersOf(owners)).toEqual(['b']);
  });

  it('replaces a list without names whole, and merges a list of named items by name', () => {
    const { object } = applyAll([
      ['a', { args: ['1', '2'], env: [{ name: 'A', value: '1' }] }],
      ['b', { args: ['3'], env: [{ name: 'B', value: '2' }] }],
      ['a', { env: [{ name: 'A', value: '9' }] }],
    ]);
    expect(object).toEqual({ args: ['3'], env: [{ name: 'A', value: '9' }, { name: 'B', value: '2' }] });
  });

  it('keeps a map it owned while empty once it has keys', () => {
    expect(applyAll([['a', { data: {} }], ['a', { data: { k: 'v' } }]]).object).toEqual({ data: { k: 'v' } });
  });

  it('does not take a field inside an item it only names', () => {
    const { object } = applyAll([
      ['a', { containers: [{ name: 'c', image: 'one' }] }],
      ['b', { containers: [{ name: 'c', image: 'one', args: ['x'] }] }],
      ['b', { containers: [{ name: 'c', image: 'one' }] }],
    ]);
    expect(object).toEqual({ containers: [{ name: 'c', image: 'one' }] });
  });
});
