import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACE_ANNOTATION } from '../documents/bundle.js';
import { appsForCluster, assembleClusterObjects, createRenderCache, renderAppInstance, type AppInstance, type SourceFile } from './render.js';
import { parseCluster, parseFleet, type Cluster } from './spec.js';

const fleet = parseFleet(`apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      namespace: web
      targets:
        - selector: { matchLabels: { env: prod } }
          overlay: apps/web/prod
          vars: { replicas: "5" }
        - selector: { matchExpressions: [{ key: env, operator: Exists }] }
    - name: monitoring
      path: apps/monitoring
      targets:
        - selector: { matchLabels: { env: staging } }
`);

const cluster = (name: string, labels: string, vars = ''): Cluster =>
  parseCluster(`apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { ${vars} } }\n`, `clusters/${name}.yaml`);

const prod = cluster('eu-prod-001', 'env: prod', 'replicas: "2", region: eu-west-1');

describe('appsForCluster', () => {
  it('gives a cluster the apps some target selects; the first matching target sets overlay and vars', () => {
    expect(appsForCluster(fleet, prod).map((a) => [a.app.name, a.source, a.vars])).toEqual([
      ['web', 'apps/web/prod', { replicas: '5', region: 'eu-west-1' }],
    ]);
    const staging = cluster('eu-stg-001', 'env: staging', 'replicas: "1"');
    expect(appsForCluster(fleet, staging).map((a) => [a.app.name, a.source, a.vars])).toEqual([
      ['web', 'apps/web', { replicas: '1' }],
      ['monitoring', 'apps/monitoring', { replicas: '1' }],
    ]);
    expect(appsForCluster(fleet, cluster('lab', ''))).toEqual([]);
  });
});

const web = appsForCluster(fleet, prod)[0] as AppInstance;

describe('renderAppInstance', () => {
  it('substitutes variables, then parses every document with its file and line', () => {
    const files = [
      { path: 'apps/web/prod/deploy.yaml', text: '# web\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web-${cluster.name} }\nspec: { replicas: ${vars.replicas} }\n' },
      { path: 'apps/web/prod/svc.yaml', text: '---\napiVersion: v1\nkind: Service\nmetadata: { name: web }\n' },
    ];
    const out = renderAppInstance(files, web, prod);
    expect(out.map((r) => [r.file, r.line, r.object.metadata.name])).toEqual([
      ['apps/web/prod/deploy.yaml', 2, 'web-eu-prod-001'],
      ['apps/web/prod/svc.yaml', 2, 'web'],
    ]);
    expect(out[0]?.object["spec"]).toEqual({ replicas: 5 });
  });

  it.each([
    ['no apiVersion', 'kind: ConfigMap\nmetadata: {name: a}\n', 'apps/web/x.yaml:1: document has no apiVersion'],
    ['no kind', 'apiVersion: v1\nmetadata: {name: a}\n', 'apps/web/x.yaml:1: document has no kind'],
    ['no metadata.name', 'a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', 'apps/web/x.yaml:1: document has no apiVersion'],
    ['no metadata.name in the second document', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {}}\n', 'apps/web/x.yaml:5: document has no metadata.name'],
    ['a list instead of an object', '- a\n- b\n', 'apps/web/x.yaml:1: document is not a mapping'],
    ['a plain Secret with data', 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: aHVudGVyMg==}\n', 'apps/web/x.yaml:1: Secret/db holds data in plain text, and secrets do not belong in Git: use Sealed Secrets or the External Secrets Operator (or pass --allow-plain-secrets)'],
    ['a plain Secret with stringData', 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n', 'Secret/db holds data in plain text'],
    ['a plain Secret inside a v1 List', 'apiVersion: v1\nkind: List\nmetadata: {name: all}\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n  - {apiVersion: v1, kind: Secret, metadata: {name: db}, data: {password: aHVudGVyMg==}}\n', 'apps/web/x.yaml:1: Secret/db holds data in plain text'],
    ['a plain Secret inside a SecretList, whose items need no kind', 'apiVersion: v1\nkind: SecretList\nmetadata: {name: all}\nitems:\n  - {metadata: {name: db}, stringData: {password: hunter2}}\n', 'Secret/db holds data in plain text'],
    ['a plain Secret inside a List inside a List', 'apiVersion: v1\nkind: List\nmetadata: {name: outer}\nitems:\n  - apiVersion: v1\n    kind: List\n    items: [{apiVersion: v1, kind: Secret, metadata: {name: db}, data: {a: Yg==}}]\n', 'Secret/db holds data in plain text'],
  ])('refuses a document with %s, naming file and line', (_what, text, message) => {
    expect(() => renderAppInstance([{ path: 'apps/web/x.yaml', text }], web, prod)).toThrow(message);
  });

  it('accepts a plain Secret when allowed, and a Secret without data always', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: aHVudGVyMg==}\n';
    expect(renderAppInstance([{ path: 'a.yaml', text: secret }], web, prod, { allowPlainSecrets: true })).toHaveLength(1);
    expect(renderAppInstance([{ path: 'a.yaml', text: 'apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n' }], web, prod)).toHaveLength(1);
  });
});

describe('renderAppInstance with a shared cache', () => {
  it('renders a document naming each cluster, from its second cluster on without parsing it again, as a fresh cache would', () => {
    const file: SourceFile = { path: 'apps/web/settings.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { cluster: "${cluster.name}", replicas: \'${vars.replicas}\' }\n' };
    const files = [file];
    const shared = createRenderCache();
    const names = ['eu-prod-001', 'yes', '0400', 'a: b #c', 'quote"d'];
    for (const [i, name] of names.entries()) {
      const c = cluster(`c-${i}`, 'env: prod', 'replicas: "2"');
      const named = { ...c, metadata: { ...c.metadata, name } };
      const inst = appsForCluster(fleet, named)[0] as AppInstance;
      if (name.includes('"')) {
        // Not put into the template: substituted as text, which breaks the quotes, as before.
        expect(() => renderAppInstance(files, inst, named, {}, shared)).toThrow('apps/web/settings.yaml:4: malformed YAML');
        continue;
      }
      expect(renderAppInstance(files, inst, named, {}, shared)).toEqual(renderAppInstance(files, inst, named));
      expect(renderAppInstance(files, inst, named, {}, shared)[0]?.object['data']).toEqual({ cluster: name, replicas: '5' });
    }
    // The second to fourth names came from the quoted template, not from a parse.
    expect(shared.chunks.get(file)?.chunks[0]?.filled).toBe(3);
  });
});

describe('renderAppInstance with literal files (helm template output)', () => {
  const script = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: script }\ndata: { run.sh: "echo ${HOME} $${x} ${vars.replicas}" }\n';

  it('keeps ${...} in a literal file as written, where a plain file would be substituted or refused', () => {
    const out = renderAppInstance([{ path: 'apps/web/templates/script.yaml', text: script, literal: true }], web, prod);
    expect(out.map((r) => [r.file, r.line, r.object['data']])).toEqual([['apps/web/templates/script.yaml', 1, { 'run.sh': 'echo ${HOME} $${x} ${vars.replicas}' }]]);
    expect(() => renderAppInstance([{ path: 'apps/web/script.yaml', text: script }], web, prod)).toThrow(/apps\/web\/script\.yaml:4: unknown variable \$\{HOME\}/);
  });

  it('shares one cache between files of one path with different texts (one chart, two value sets) without mixing them up', () => {
    const cache = createRenderCache();
    const text = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: { replicas: ${replicas} }\n`;
    const render = (replicas: number, c: Cluster) => renderAppInstance([{ path: 'apps/web/templates/deploy.yaml', text: text(replicas), literal: true }], web, c, {}, cache);
    const other = cluster('eu-prod-002', 'env: prod', 'replicas: "7"');
    expect(render(2, prod)[0]?.object['spec']).toEqual({ replicas: 2 });
    expect(render(3, other)[0]?.object['spec']).toEqual({ replicas: 3 });
  });
});

describe('assembleClusterObjects', () => {
  const render = (path: string, text: string, inst: AppInstance = web) => renderAppInstance([{ path, text }], inst, prod);

  it('puts namespaced objects into the app namespace and leaves cluster-scoped ones without one', () => {
    const objects = assembleClusterObjects(
      render(
        'apps/web/all.yaml',
        [
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: web, namespace: oops}',
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}',
          'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, scope: Cluster, names: {kind: Widget, plural: widgets}}',
          'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}',
          'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}',
        ].join('\n---\n'),
      ),
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'ConfigMap/web/a',
      'ConfigMap/other/b',
      'Namespace/-/web',
      'ClusterRole/-/reader',
      'CustomResourceDefinition/-/widgets.example.com',
      'Widget/-/w',
      'Gadget/-/g',
    ]);
  });

  it('leaves a kind whose scope it cannot know (no CRD in the bundle) as written, or unplaced with the app namespace as a hint', () => {
    const objects = assembleClusterObjects(
      render(
        'apps/web/policy.yaml',
        [
          'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p, annotations: {a: b}}',
          'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: other}',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}',
        ].join('\n---\n'),
      ),
    );
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata['annotations']])).toEqual([
      ['ClusterPolicy', undefined, { a: 'b', [DEFAULT_NAMESPACE_ANNOTATION]: 'web' }],
      ['Gadget', 'other', undefined],
      ['Deployment', 'web', undefined],
    ]);
  });

  it('refuses two objects of a kind of unknown scope with one name and no namespace, saying how to tell them apart', () => {
    const a = render('apps/web/a.yaml', 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n');
    const staging = cluster('s', 'env: staging');
    const monitoring = appsForCluster(fleet, staging)[1] as AppInstance;
    const b = renderAppInstance([{ path: 'apps/monitoring/b.yaml', text: 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n' }], monitoring, staging);
    expect(() => assembleClusterObjects([...a, ...b])).toThrow(
      'apps/monitoring/b.yaml:1: Gadget/g is also defined at apps/web/a.yaml:1 (app web); an object may appear once per cluster; the hub cannot know the scope of Gadget (no CRD for it in the bundle): give each a metadata.namespace',
    );
  });

  it('uses the default namespace for an app without one', () => {
    const staging = cluster('s', 'env: staging');
    const monitoring = appsForCluster(fleet, staging)[1] as AppInstance;
    const objects = assembleClusterObjects(renderAppInstance([{ path: 'm.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' }], monitoring, staging));
    expect(objects[0]?.metadata.namespace).toBe('default');
  });

  it('does not change the rendered objects it was given', () => {
    const rendered = render('a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    assembleClusterObjects(rendered);
    expect(rendered[0]?.object.metadata.namespace).toBeUndefined();
  });

  it('refuses the same object twice for one cluster, naming both places', () => {
    const a = render('apps/web/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n');
    const b = render('apps/web/b.yaml', '# x\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: web}\n');
    expect(() => assembleClusterObjects([...a, ...b])).toThrow('apps/web/b.yaml:2: ConfigMap/web/cfg is also defined at apps/web/a.yaml:1; an object may appear once per cluster');
  });
});
