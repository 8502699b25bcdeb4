import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseYamlDocuments, splitYamlDocuments, type RepoReader, type SourceFile } from '@driftless/core';
import {
  binaryPath,
  capabilitiesChart,
  commitFiles,
  createBareRepo,
  hooksChart,
  requiredValueChart,
  valuesChart,
  vendoredDependencyChart,
} from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_BYTES } from '../compile.js';
import { openTreeReader } from '../git/git-tree-reader.js';
import { helmRunner } from './helm.js';
import { HELM_KUBE_VERSION, type HelmRenderRequest } from './helm-runner.js';
import { tempDirs } from '../testing/temp-dirs.js';

const HELM = binaryPath('helm');
const run = helmRunner({ binary: HELM, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
const exec = promisify(execFile);
const tempDir = tempDirs('helm-test');

/** A real git commit holding `files` (plus symlinks, path → target), opened as the hub reads it. */
async function repoWith(files: Record<string, string | Uint8Array>, links: Record<string, string> = {}): Promise<RepoReader> {
  const root = await tempDir();
  const bare = await createBareRepo(root, 'fleet');
  let commit = await commitFiles(bare, files, 'charts');
  if (Object.keys(links).length > 0) {
    const work = join(root, 'work');
    const git = (args: string[]) =>
      exec('git', args, { cwd: work, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    await exec('git', ['clone', '-q', bare, work]);
    for (const [path, target] of Object.entries(links)) await symlink(target, join(work, path));
    await git(['add', '-A']);
    await git(['commit', '-qm', 'links']);
    await git(['push', '-q', 'origin', 'HEAD:main']);
    commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  }
  return await openTreeReader(bare, commit);
}

/** The same helm binary run directly on the chart written to disk, with the same flags and values files. */
async function helmDirectly(files: Record<string, string | Uint8Array>, req: HelmRenderRequest): Promise<string> {
  const root = await tempDir();
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const valueFiles = await Promise.all(
    req.values.map(async (v, i) => {
      await writeFile(join(root, `v${i}.json`), JSON.stringify(v));
      return ['-f', join(root, `v${i}.json`)];
    }),
  );
  const args = ['template', req.release, join(root, req.dir), '--namespace', req.namespace, '--kube-version', HELM_KUBE_VERSION, '--skip-tests', '--include-crds', '--skip-schema-validation'];
  const { stdout } = await exec(HELM, [...args, ...valueFiles.flat()], { env: { PATH: process.env['PATH'] ?? '', HOME: root } });
  return stdout;
}

const documents = (text: string): string[] => splitYamlDocuments(text).map((c) => c.text.trim());
interface Obj {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly annotations?: Record<string, string> };
  readonly data?: Record<string, string>;
  readonly spec?: unknown;
}
const objects = (files: readonly SourceFile[]): Obj[] => files.flatMap((f) => parseYamlDocuments(f.text, f.path).map((d) => d.value as Obj));

/** Renders with the runner and checks every document is exactly what helm prints for the chart itself. */
async function renderAndCompare(files: Record<string, string | Uint8Array>, req: HelmRenderRequest): Promise<SourceFile[]> {
  const rendered = await run(await repoWith(files), req);
  expect(rendered.flatMap((f) => documents(f.text))).toEqual(documents(await helmDirectly(files, req)));
  return rendered;
}

describe('helmRunner renders a chart of the repository with the real helm', () => {
  it('renders a chart with a vendored dependency and its CRDs: one literal SourceFile per template, named by repository path', async () => {
    const req = { dir: 'apps/web', release: 'shop', namespace: 'prod', values: [] };
    const rendered = await renderAndCompare(vendoredDependencyChart('apps/web'), req);
    expect(rendered.map((f) => f.path).sort()).toEqual([
      'apps/web/charts/cache/templates/service.yaml',
      'apps/web/crds/widgets.yaml',
      'apps/web/templates/configmap.yaml',
      'apps/web/templates/deployment.yaml',
    ]);
    expect(rendered.every((f) => f.literal === true)).toBe(true);
    const [svc] = objects(rendered).filter((o) => o['kind'] === 'Service');
    expect(svc?.['metadata']).toEqual({ name: 'shop-cache' });
    expect(svc?.['spec']).toEqual({ ports: [{ port: 6379 }] });
  });

  it('fixes the Kubernetes version and API versions, names the release and namespace, finds nothing with lookup and keeps ${HOME} literal', async () => {
    const req = { dir: 'charts/probe', release: 'probe-release', namespace: 'observability', values: [] };
    const [report] = objects(await renderAndCompare(capabilitiesChart('charts/probe'), req));
    expect(report?.['data']).toEqual({
      kubeVersion: 'v1.37.0',
      hasApps: 'true',
      hasMadeUp: 'false',
      release: 'probe-release',
      namespace: 'observability',
      lookup: '{}',
      script: 'echo ${HOME}',
    });
  });

  it('layers the values files over values.yaml in order: later wins, maps merge, null deletes a key', async () => {
    const req = {
      dir: 'apps/layered',
      release: 'l',
      namespace: 'default',
      values: [{ size: 'medium', features: { cache: false } }, { size: 'large', limits: { memory: null } }],
    };
    const [cm] = objects(await renderAndCompare(valuesChart('apps/layered'), req));
    const merged = parseYamlDocuments(String(cm?.data?.['values']), 'values')[0]?.value;
    expect(merged).toEqual({ size: 'large', features: { audit: true, cache: false }, limits: { cpu: '100m' } });
  });

  it('drops Helm test hooks and keeps every other hook as it is', async () => {
    const rendered = await renderAndCompare(hooksChart('apps/hooked'), { dir: 'apps/hooked', release: 'h', namespace: 'default', values: [] });
    const names = objects(rendered).map((o) => `${o['kind']}/${o['metadata']?.name}`);
    expect(names.sort()).toEqual(['ConfigMap/plain', 'Job/migrate']);
    const [job] = objects(rendered).filter((o) => o['kind'] === 'Job');
    expect(job?.['metadata']?.annotations).toEqual({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-5' });
  });

  it('names the chart and the template, by repository path, when a required value is missing', async () => {
    const reader = await repoWith(requiredValueChart('apps/greeter'));
    await expect(run(reader, { dir: 'apps/greeter', release: 'g', namespace: 'default', values: [] })).rejects.toThrow(
      /^apps\/greeter: helm template failed: execution error at \(apps\/greeter\/templates\/cm\.yaml:6:\d+\): greeting is required$/,
    );
    const ok = await run(reader, { dir: 'apps/greeter', release: 'g', namespace: 'default', values: [{ greeting: 'hello' }] });
    expect(objects(ok)[0]?.['data']).toEqual({ text: 'hello world' });
  });

  it('refuses a symlink out of the chart, naming it, and never gives helm a file outside the chart', async () => {
    const files = { ...capabilitiesChart('apps/probe'), 'secrets/token.yaml': 'token: s3cr3t\n' };
    const reader = await repoWith(files, { 'apps/probe/templates/token.yaml': '../../../secrets/token.yaml' });
    await expect(run(reader, { dir: 'apps/probe', release: 'p', namespace: 'default', values: [] })).rejects.toThrow(
      /^apps\/probe\/templates\/token\.yaml: symlink to secrets\/token\.yaml points outside the chart apps\/probe/,
    );
  });

  it('says where the binary comes from when it is missing, and names the binary and version in its identity', async () => {
    const reader = await repoWith(capabilitiesChart('apps/probe'));
    const missing = helmRunner({ binary: join(await tempDir(), 'no-helm'), maxFileBytes: DEFAULT_MAX_FILE_BYTES });
    await expect(missing(reader, { dir: 'apps/probe', release: 'p', namespace: 'default', values: [] })).rejects.toThrow(
      /^apps\/probe: the helm binary .*no-helm was not found \(npm run setup builds one\)/,
    );
    // Setup builds helm with whatever Go >= 1.26 the machine has: pin helm's version, not Go's patch level.
    expect(await run.identity?.()).toMatch(new RegExp(`^${escapeRegExp(HELM)}@version\\.BuildInfo\\{Version:"v4\\.3"[^}]*GoVersion:"go1\\.\\d+[^}]*KubeClientVersion:"v1\\.37"\\}$`));
  });
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A loopback HTTP server counting the requests it gets: what a chart must never reach. */
async function countingServer(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** `files` (paths relative to the archive's top directory `name`) as the .tgz `helm dependency build` vendors. */
async function chartArchive(name: string, files: Record<string, string>): Promise<Uint8Array> {
  const root = await tempDir();
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, name, path)), { recursive: true });
    await writeFile(join(root, name, path), text);
  }
  await exec('tar', ['czf', join(root, 'chart.tgz'), '-C', root, name]);
  return await readFile(join(root, 'chart.tgz'));
}

/** vendoredDependencyChart with its `cache` subchart as the archive charts/cache-0.1.0.tgz, `extra` files added to the archive. */
async function vendoredArchiveChart(dir: string, extra: Record<string, string> = {}): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = {};
  const sub: Record<string, string> = { ...extra };
  for (const [path, text] of Object.entries(vendoredDependencyChart(dir))) {
    if (path.startsWith(`${dir}/charts/cache/`)) sub[path.slice(`${dir}/charts/cache/`.length)] = text;
    else files[path] = text;
  }
  files[`${dir}/charts/cache-0.1.0.tgz`] = await chartArchive('cache', sub);
  return files;
}

describe('helmRunner keeps a chart from the hub host', () => {
  it('renders a vendored .tgz subchart exactly as helm does', async () => {
    const req = { dir: 'apps/web', release: 'shop', namespace: 'prod', values: [] };
    const rendered = await renderAndCompare(await vendoredArchiveChart('apps/web'), req);
    expect(objects(rendered).map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(['ConfigMap/shop-config', 'CustomResourceDefinition/widgets.example.com', 'Deployment/shop', 'Service/shop-cache']);
  });

  it('refuses a values.schema.json that refers to a loopback URL or a host file, naming it, and helm never fetches or reads it', async () => {
    const server = await countingServer();
    try {
      const schemas = [`{"$ref":"${server.url}/x.json"}`, `{"$schema":"${server.url}/meta.json"}`, '{"properties":{"a":{"$ref":"file:///etc/hostname"}}}', '{"$id":"etc/x.json"}'];
      for (const schema of schemas) {
        const reader = await repoWith({ ...capabilitiesChart('apps/x'), 'apps/x/values.schema.json': schema });
        const err = await run(reader, { dir: 'apps/x', release: 'x', namespace: 'default', values: [] }).catch((e: unknown) => e);
        expect((err as Error).message, schema).toMatch(/^apps\/x\/values\.schema\.json: .*only "#" references/);
        expect((err as Error).message).not.toMatch(/invalid character/);
      }
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('never lets helm read the schema inside a vendored .tgz, and renders with a plain schema', async () => {
    const server = await countingServer();
    try {
      const files = await vendoredArchiveChart('apps/web', { 'values.schema.json': `{"$ref":"${server.url}/sub.json","properties":{"p":{"$ref":"file:///etc/hostname"}}}` });
      const plain = '{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"n":{"type":"integer"}},"properties":{"replicas":{"$ref":"#/definitions/n"}}}';
      const rendered = await run(await repoWith({ ...files, 'apps/web/values.schema.json': plain }), { dir: 'apps/web', release: 'shop', namespace: 'prod', values: [] });
      expect(objects(rendered).map((o) => o.kind)).toContain('Service');
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('stops a template that allocates without bound, saying so', async () => {
    const capped = helmRunner({ binary: HELM, maxFileBytes: DEFAULT_MAX_FILE_BYTES, maxMemoryBytes: 2 * 1024 * 1024 * 1024 });
    const files = {
      'apps/big/Chart.yaml': 'apiVersion: v2\nname: big\nversion: 0.1.0\n',
      'apps/big/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\ndata:\n  s: {{ $s := "x" }}{{ range until 31 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}\n',
    };
    const reader = await repoWith(files);
    await expect(capped(reader, { dir: 'apps/big', release: 'b', namespace: 'default', values: [] })).rejects.toThrow(/^apps\/big: helm template used more than 2048 MiB of memory rendering apps\/big$/);
    const small = { ...files, 'apps/big/templates/cm.yaml': files['apps/big/templates/cm.yaml'].replace('until 31', 'until 10') };
    expect(objects(await capped(await repoWith(small), { dir: 'apps/big', release: 'b', namespace: 'default', values: [] }))[0]?.data).toEqual({ s: 1024 });
  });

  it('reads Chart.yaml from the chart itself: a Chart.yaml symlinked out of the chart is refused as such', async () => {
    const files: Record<string, string> = { ...capabilitiesChart('apps/probe'), 'other/Chart.yaml': 'token: s3cr3t\n' };
    delete files['apps/probe/Chart.yaml'];
    const reader = await repoWith(files, { 'apps/probe/Chart.yaml': '../../other/Chart.yaml' });
    await expect(run(reader, { dir: 'apps/probe', release: 'p', namespace: 'default', values: [] })).rejects.toThrow(
      /^apps\/probe\/Chart\.yaml: symlink to other\/Chart\.yaml points outside the chart apps\/probe/,
    );
  });
});
