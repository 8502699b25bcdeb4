import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { branchSlug, previewSlugs } from './preview-slug.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TEMPLATE = 'pr-${branch.slug}';
const hash6 = (branch: string): string => createHash('sha256').update(branch).digest('hex').slice(0, 6);

describe('branchSlug', () => {
  it.each([
    ['feature/Login_Form', 'feature-login-form'],
    ['--Fix//Bug--', 'fix-bug'],
    ['release/1.2.3', 'release-1-2-3'],
    ['Ünïcode/ß', 'n-code'],
    ['///', ''],
  ])('%s -> %s', (branch, slug) => {
    expect(branchSlug(branch)).toBe(slug);
  });
});

describe('previewSlugs', () => {
  it('keeps a short distinct slug as it is', () => {
    expect(previewSlugs(['feature/login'], TEMPLATE).get('feature/login')).toEqual({ slug: 'feature-login', namespace: 'pr-feature-login' });
  });

  it('shortens a branch name with slashes, capitals and 80 characters to a DNS label of at most 63, with a hash suffix', () => {
    const branch = `Feature/JIRA-1234/${'Very-Long-Branch-Name/'.repeat(2)}`.padEnd(80, 'X');
    expect(branch).toHaveLength(80);
    const name = previewSlugs([branch], TEMPLATE).get(branch);
    expect(name?.namespace).toMatch(DNS_LABEL);
    expect(name?.namespace.length).toBeLessThanOrEqual(63);
    expect(name?.namespace.startsWith('pr-feature-jira-1234-very-long-branch-name')).toBe(true);
    expect(name?.slug.endsWith(`-${hash6(branch)}`)).toBe(true);
  });

  it('gives colliding branches distinct hashed slugs that do not depend on the order of the list', () => {
    const forward = previewSlugs(['feature/A', 'feature-a', 'main'], TEMPLATE);
    const backward = previewSlugs(['main', 'feature-a', 'feature/A'], TEMPLATE);
    expect(forward.get('feature/A')).toEqual({ slug: `feature-a-${hash6('feature/A')}`, namespace: `pr-feature-a-${hash6('feature/A')}` });
    expect(forward.get('feature-a')).toEqual({ slug: `feature-a-${hash6('feature-a')}`, namespace: `pr-feature-a-${hash6('feature-a')}` });
    expect(forward.get('main')?.slug).toBe('main');
    expect(backward).toEqual(forward);
  });

  it('gives a branch of only symbols a hash-only slug', () => {
    expect(previewSlugs(['///'], TEMPLATE).get('///')).toEqual({ slug: hash6('///'), namespace: `pr-${hash6('///')}` });
  });

  it('hashes a plain slug that equals another branch hashed slug', () => {
    // `a` and `A` collide, so `A` becomes a-<hash>; a third branch spelled that way must not take it.
    const taken = `a-${hash6('A')}`;
    const names = previewSlugs(['a', 'A', taken], TEMPLATE);
    const slugs = [...names.values()].map((n) => n.slug);
    expect(new Set(slugs).size).toBe(3);
    expect(names.get(taken)?.slug).toBe(`${taken}-${hash6(taken)}`);
  });

  it('shares the room between two slug references of a template', () => {
    const branch = 'feature/'.padEnd(60, 'x');
    const name = previewSlugs([branch], '${branch.slug}-${branch.slug}').get(branch);
    expect(name?.namespace).toMatch(DNS_LABEL);
    expect(name?.namespace.length).toBeLessThanOrEqual(63);
  });

  it('property: every namespace is a distinct DNS label of at most 63, whatever the branch names and their order', () => {
    const branchName = fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^[A-Za-z0-9/_.-]{0,90}$/), fc.constantFrom('feature/A', 'feature-a', 'FEATURE_A', '---', ''));
    fc.assert(
      fc.property(fc.array(branchName, { maxLength: 30 }), fc.constantFrom(TEMPLATE, '${branch.slug}', `${'n'.repeat(50)}-\${branch.slug}`), (branches, template) => {
        const names = previewSlugs(branches, template);
        const namespaces = [...names.values()].map((n) => n.namespace);
        for (const ns of namespaces) {
          expect(ns).toMatch(DNS_LABEL);
          expect(ns.length).toBeLessThanOrEqual(63);
        }
        expect(new Set(namespaces).size).toBe(new Set(branches).size);
        expect(previewSlugs([...branches].reverse(), template)).toEqual(names);
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('previewSlugs with existing slugs', () => {
  it('keeps a live preview\'s slug; only the colliding newcomer gets the hash suffix', () => {
    const names = previewSlugs(['feature/login', 'feature/Login'], TEMPLATE, new Map([['feature/login', 'feature-login']]));
    expect(names.get('feature/login')).toEqual({ slug: 'feature-login', namespace: 'pr-feature-login' });
    expect(names.get('feature/Login')?.slug).toBe(`feature-login-${hash6('feature/Login')}`);
  });

  it('a newcomer never takes a live suffixed slug, and a gone branch frees nothing it did not hold', () => {
    const live = `feature-login-${hash6('feature/Login')}`;
    const names = previewSlugs(['feature/Login', 'feature/login'], TEMPLATE, new Map([['feature/Login', live]]));
    expect(names.get('feature/Login')?.slug).toBe(live);
    expect(names.get('feature/login')?.slug).toBe('feature-login');
  });
});
