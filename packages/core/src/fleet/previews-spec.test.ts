import { describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW_TTL_MS, matchPreviewBranches } from './previews-spec.js';
import { parseFleet } from './spec.js';

const HEAD = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      targets: [{ selector: {} }]
    - name: api
      path: apps/api
      targets: [{ selector: {} }]
`;
// Line 11 is `previews:`, 12 branches, 13 clusters, 14 apps, 15 namespace, 16 ttl, 17 vars, 18 its host.
const PREVIEWS = `  previews:
    branches: ["feature/*", "fix/**"]
    clusters: { matchLabels: { previews: "true" } }
    apps: [web]
    namespace: "pr-\${branch.slug}"
    ttl: 24h
    vars:
      host: "\${branch.slug}.\${cluster.name}.example.test"
`;

/** PREVIEWS with the line starting with `key:` replaced by `line` (or removed when `line` is empty). */
function withLine(key: string, line: string): string {
  const lines = PREVIEWS.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  if (i < 0) throw new Error(`no ${key} line`);
  if (line === '') lines.splice(i, 1);
  else lines[i] = line;
  return HEAD + lines.join('\n');
}

describe('spec.previews', () => {
  it('parses patterns, selector, apps, namespace template, ttl in ms and vars as written', () => {
    expect(parseFleet(HEAD + PREVIEWS).spec.previews).toEqual({
      branches: ['feature/*', 'fix/**'],
      clusters: { matchLabels: { previews: 'true' } },
      apps: ['web'],
      namespace: 'pr-${branch.slug}',
      ttl: 86_400_000,
      vars: { host: '${branch.slug}.${cluster.name}.example.test' },
    });
  });

  it('takes podSecurity privileged, baseline or restricted; absent, it stays absent (baseline applies)', () => {
    expect(parseFleet(withLine('ttl', '    ttl: 24h\n    podSecurity: restricted')).spec.previews?.podSecurity).toBe('restricted');
    expect(parseFleet(HEAD + PREVIEWS).spec.previews?.podSecurity).toBeUndefined();
  });

  it('defaults ttl to 72h and leaves vars out', () => {
    const previews = parseFleet(withLine('ttl', '').replace(/ {4}vars:\n.*\n/, '')).spec.previews;
    expect(previews?.ttl).toBe(DEFAULT_PREVIEW_TTL_MS);
    expect(DEFAULT_PREVIEW_TTL_MS).toBe(72 * 3_600_000);
    expect(previews && 'vars' in previews).toBe(false);
  });

  it.each([
    ['no branch pattern', withLine('branches', '    branches: []'), 12, 'spec.previews.branches: previews need at least one branch pattern'],
    ['an empty branch pattern', withLine('branches', '    branches: ["feature/*", " "]'), 12, 'spec.previews.branches[1]: must be a branch pattern'],
    ['a selector with an unknown key', withLine('clusters', '    clusters: { matchLabel: { a: b } }'), 13, 'spec.previews.clusters: Unrecognized key'],
    ['no app', withLine('apps', '    apps: []'), 14, 'spec.previews.apps: previews need at least one app'],
    ['an unknown app', withLine('apps', '    apps: [web, shop]'), 14, 'spec.previews.apps[1]: unknown app shop: spec.apps defines web, api'],
    ['an app listed twice', withLine('apps', '    apps: [web, web]'), 14, 'spec.previews.apps[1]: app web is listed twice'],
    ['a namespace without the slug', withLine('namespace', '    namespace: previews'), 15, 'spec.previews.namespace: "previews" must contain ${branch.slug}'],
    ['a namespace of the slug alone', withLine('namespace', '    namespace: "${branch.slug}"'), 15, 'spec.previews.namespace: "${branch.slug}" needs literal text besides ${branch.slug} (pr-${branch.slug}, say)'],
    ['an unknown pod security level', withLine('ttl', '    ttl: 24h\n    podSecurity: strict'), 17, 'spec.previews.podSecurity: '],
    ['a namespace with ${branch.name}', withLine('namespace', '    namespace: "pr-${branch.name}"'), 15, 'spec.previews.namespace: ${branch.name} is not DNS-safe'],
    ['a namespace with an unknown variable', withLine('namespace', '    namespace: "pr-${branch.slug}-${cluster.name}"'), 15, 'spec.previews.namespace: unknown variable ${cluster.name}: a namespace template may use ${branch.slug}'],
    ['a namespace that is not DNS-safe', withLine('namespace', '    namespace: "PR_${branch.slug}"'), 15, 'spec.previews.namespace: "PR_${branch.slug}" must give a DNS label'],
    ['a namespace that leaves no room for the slug', withLine('namespace', `    namespace: "${'p'.repeat(55)}-\${branch.slug}"`), 15, 'leaves 7 characters for each ${branch.slug}; a namespace is at most 63 and a slug needs at least 12'],
    ['a ttl that is no duration', withLine('ttl', '    ttl: 3 days'), 16, 'spec.previews.ttl: "3 days" must be a duration like 30s, 10m or 1h, more than 0'],
    ['a zero ttl', withLine('ttl', '    ttl: 0s'), 16, 'spec.previews.ttl: "0s" must be a duration'],
    ['a var with an unknown variable', withLine('host', '      host: "${branch.slug}.${vars.domain}"'), 18, 'spec.previews.vars.host: unknown variable ${vars.domain}: preview vars may use ${branch.slug}, ${branch.name}, ${cluster.name}'],
    ['an unknown key', withLine('ttl', '    ttl: 1h\n    expire: 1h'), 17, 'spec.previews: Unrecognized key: "expire"'],
  ])('refuses %s with fleet.yaml:line and the field', (_name, text, line, message) => {
    expect(() => parseFleet(text)).toThrow(`fleet.yaml:${line}: `);
    expect(() => parseFleet(text)).toThrow(message);
  });
});

describe('matchPreviewBranches', () => {
  const branches = ['main', 'feature/b', 'feature/a', 'feature/a/sub', 'fix/x/y/z', 'fixes/1', 'feature/.dot', 'feature/b'];

  it.each([
    [['feature/*'], ['feature/.dot', 'feature/a', 'feature/b']],
    [['feature/**'], ['feature/.dot', 'feature/a', 'feature/a/sub', 'feature/b']],
    [['fix/**', 'main'], ['fix/x/y/z', 'main']],
    [['*'], ['main']],
    [['release/*'], []],
  ])('%j matches %j, sorted and once each', (patterns, expected) => {
    expect(matchPreviewBranches({ branches: patterns }, branches)).toEqual(expected);
  });
});
