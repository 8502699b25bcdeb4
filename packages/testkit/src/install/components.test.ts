import { describe, expect, it } from 'vitest';
import { COMPONENTS, kubernetesStagingReplaces } from './components.js';

const GO_MOD_EXCERPT = `module k8s.io/kubernetes

go 1.26.0

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
	k8s.io/apimachinery v0.0.0 // indirect
	k8s.io/klog/v2 v2.130.1
	k8s.io/kube-openapi v0.0.0-20260101000000-abcdef012345
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
)
`;

describe('kubernetesStagingReplaces', () => {
  it('pins every staging module listed at v0.0.0 to v0.Y.Z, and nothing else', () => {
    expect(kubernetesStagingReplaces(GO_MOD_EXCERPT, 'v1.37.2')).toEqual([
      'k8s.io/api => k8s.io/api v0.37.2',
      'k8s.io/apimachinery => k8s.io/apimachinery v0.37.2',
    ]);
  });

  it.each(['1.37.2', 'v2.0.0', 'v1.37', 'latest'])('refuses the version %s', (version) => {
    expect(() => kubernetesStagingReplaces(GO_MOD_EXCERPT, version)).toThrow(/not of the form v1\.Y\.Z/);
  });
});

describe('COMPONENTS', () => {
  it('pins every component to an exact version', () => {
    for (const c of COMPONENTS) expect(c.version, c.name).toMatch(/^v\d+\.\d+\.\d+(-[0-9a-z.-]+)?$/);
    expect(COMPONENTS.map((c) => c.name).sort()).toEqual(['etcd', 'helm', 'kube-apiserver', 'kustomize', 'minio', 'prometheus']);
  });

  it('uses etcd 3.5, as the foundation requires', () => {
    expect(COMPONENTS.find((c) => c.name === 'etcd')?.version).toMatch(/^v3\.5\./);
  });
});
