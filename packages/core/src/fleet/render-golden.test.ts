import { describe, expect, it } from 'vitest';
import { encodeValidatedBundle } from '../bundle-codec.js';
import { appsForCluster, assembleClusterObjects, createRenderCache, renderAppInstance, type PlacementCache, type SourceFile } from './render.js';
import { parseCluster, parseFleet } from './spec.js';

// Bundles are content-addressed: a faster renderer must give every cluster the
// very digest it had before, or every agent of a fleet refetches on upgrade.
const fleet = parseFleet(`apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      namespace: web
      targets:
        - selector: { matchLabels: { env: prod } }
          vars: { replicas: "3" }
        - selector: {}
`);

const files: SourceFile[] = [
  {
    path: 'apps/web/deploy.yaml',
    text: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web, region: "\${cluster.labels.region}" }
spec:
  replicas: \${vars.replicas}
  template:
    spec:
      containers:
        - name: web
          image: 'registry.example.invalid/web:\${vars.tag}'
          env:
            - { name: CLUSTER, value: "\${cluster.name}" }
            - { name: LITERAL, value: "$\${cluster.name}" }
---
# settings of \${cluster.name}
apiVersion: v1
kind: ConfigMap
metadata: { name: web-settings }
data:
  cluster: "\${cluster.name}"
  host: "\${cluster.name}.\${cluster.labels.region}.example.invalid"
  quoted: 'at \${cluster.name}'
  flag: "\${vars.flag}"
  plain: \${vars.flag}
  block: |
    cluster=\${cluster.name}
`,
  },
  { path: 'apps/web/svc.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [{ port: 80 }] }\n' },
];

const clusters = [
  ['eu-prod-001', 'env: prod, region: eu', 'tag: "1.0", flag: "yes", note: "a: b"'],
  ['us-prod-002', 'env: prod, region: us', 'tag: "1.0", flag: "0400", note: "x #y"'],
  ['ap-dev-003', 'env: dev, region: ap', 'replicas: "1", tag: latest, flag: "no", note: "- z"'],
  ['ap-dev-004', 'env: dev, region: ap', 'replicas: "1", tag: latest, flag: "null", note: "~"'],
].map(([name, labels, vars]) =>
  parseCluster(`apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { ${vars} } }\n`, `clusters/${name}.yaml`),
);

const GOLDEN: Record<string, string> = {
  'eu-prod-001': 'sha256:c00351e2752c47346c13cbeb613c8e4ef7c97be03d82a20e69742f9571820472',
  'us-prod-002': 'sha256:e6a695b8e6c498e280a2e2657bddb7ce8dc4a8248512ad6df9182fc7ea7d304a',
  'ap-dev-003': 'sha256:766bca842386a7948f514c388e13d57aa7e32e54a88129982621b10b533852d0',
  'ap-dev-004': 'sha256:cfe7b4743c043c231c627f8a65e0cc6927e38bfbb4d960035801854a8c859bb2',
};

// Every reference in a one-line quoted value: from its second cluster on, this
// document is filled from its quoted template instead of being parsed again.
const quoted: SourceFile = {
  path: 'apps/web/quoted.yaml',
  text: `apiVersion: v1
kind: ConfigMap
metadata:
  name: "settings-\${cluster.name}"
  labels: { region: '\${cluster.labels.region}', flag: "\${vars.flag}" }
data:
  both: "\${cluster.name}/\${vars.tag}"
  single: 'it''s \${vars.note}'
  note: "\${vars.note}"
  flag: '\${vars.flag}'
  host: &host "\${cluster.name}.\${cluster.labels.region}.example.invalid"
  again: *host
  flow: ["\${vars.flag}", '\${vars.replicas}', plain]
  block:
    - "\${vars.note}"
    - { tag: '\${vars.tag}' }
`,
};

// Computed on the substitute-then-parse path (the template shortcut disabled).
const QUOTED_GOLDEN: Record<string, string> = {
  'eu-prod-001': 'sha256:a45b04df038ce6a017dcc7c7c58f528828b002b08bfe16bc4a02d648970484de',
  'us-prod-002': 'sha256:8fd0c5fc8a0b708f554acb8756bc65c13fbb24ee0f24b6af79abdad6a2b92315',
  'ap-dev-003': 'sha256:7d757dd0c35b113ebb927f53e0ca2577e56c8c6c610eca4a5a97a4b9ec98bee7',
  'ap-dev-004': 'sha256:fb684b34f02703939196854293935120619ca4b68077c704fed119230af0453f',
};

function digestsOf(sources: readonly SourceFile[], cache = createRenderCache()): Record<string, string> {
  const placements: PlacementCache = new WeakMap();
  const canonical = new WeakMap<object, Uint8Array>();
  return Object.fromEntries(
    clusters.map((c) => {
      const rendered = appsForCluster(fleet, c).flatMap((inst) => renderAppInstance(sources, inst, c, {}, cache));
      return [c.metadata.name, encodeValidatedBundle(assembleClusterObjects(rendered, placements), canonical).digest];
    }),
  );
}

describe('rendered bundles (golden digests)', () => {
  it('gives each cluster the same bundle bytes as before, with the caches shared as the hub shares them', () => {
    expect(digestsOf(files)).toEqual(GOLDEN);
  });

  it('gives the same bytes from the quoted template as parsing the substituted text gave, for every cluster after the first', () => {
    const cache = createRenderCache();
    expect(digestsOf([quoted], cache)).toEqual(QUOTED_GOLDEN);
    expect(cache.chunks.get(quoted)?.chunks.map((c) => c.filled)).toEqual([clusters.length - 1]);
  });
});
