import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { parseYamlDocuments } from '@driftless/core';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// What the hub parses must be what Kubernetes itself reads from the same file:
// the kube-apiserver decodes `application/yaml` request bodies with its own
// YAML reader (YAML 1.1), so each document is sent to it (dry run, nothing is
// stored) and the object it answers with is compared with our parse.
const env = inject('driftlessEnv');
const GROUP = 'yaml.driftless.dev';
const CRD = `probes.${GROUP}`;
let ca = '';

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function send(method: string, path: string, body?: string, contentType = 'application/yaml'): Promise<Answer> {
  return await new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${env.kube.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    const req = request(`${env.kube.server}${path}`, { method, ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Resolves once the watched CRD reports Established (the watch is the awaitable event). */
async function established(name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=true&fieldSelector=metadata.name%3D${name}`;
    const req = request(`${env.kube.server}${path}`, { ca, headers: { authorization: `Bearer ${env.kube.token}` } }, (res) => {
      let buffered = '';
      res.setEncoding('utf8').on('data', (c: string) => {
        buffered += c;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.trim() !== '')) {
          const event = JSON.parse(line) as { object: { status?: { conditions?: { type: string; status: string }[] } } };
          if (event.object.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.once('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.end();
  });
}

/** The object the real API server reads from `yaml` (a dry-run create in namespace default). */
async function kubeReads(resourcePath: string, yaml: string): Promise<Record<string, unknown>> {
  const answer = await send('POST', `${resourcePath}?dryRun=All`, yaml);
  if (answer.status !== 201) throw new Error(`dry-run create answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as Record<string, unknown>;
}

function ours(yaml: string): Record<string, unknown> {
  const docs = parseYamlDocuments(yaml, 'probe.yaml');
  expect(docs).toHaveLength(1);
  return docs[0]?.value as Record<string, unknown>;
}

const probe = (spec: string): string => `apiVersion: ${GROUP}/v1\nkind: Probe\nmetadata:\n  name: p\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

beforeAll(async () => {
  ca = await readFile(env.kube.caFile, 'utf8');
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'probes', singular: 'probe', kind: 'Probe', listKind: 'ProbeList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  const created = await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd), 'application/json');
  if (created.status !== 201 && created.status !== 409) throw new Error(`CRD create answered ${created.status}: ${created.body}`);
  await established(CRD);
});

describe('manifests are read the way the kube-apiserver reads them (YAML 1.1)', () => {
  it.each([
    ['an octal integer', 'mode: 0400\nneg: -010'],
    ['a quoted octal, which stays a string', 'mode: "0400"\nsingle: \'0755\''],
    ['0o octal, hex, binary and underscores', 'o: 0o400\nhex: 0x1F\nbin: 0b101\nbig: 1_000\nnine: 09'],
    ['YAML 1.1 booleans', 'a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: True\nh: FALSE\ni: Yes'],
    ['merge keys', 'base: &b {x: 1, y: 2}\nmore: &m {z: 3}\none: {<<: *b, y: 20}\nmany:\n  <<: [*b, *m]\n  x: 10'],
    ['floats', 'a: 1.5e3\nb: .5\nc: -2.\nd: 1e3'],
    ['timestamps and sexagesimals, which stay strings', 'date: 2001-12-14\nat: 2001-12-14t21:59:43.10-05:00\nsexa: 190:20:30\nsexf: 1:30.5'],
    ['null forms', 'a: ~\nb: null\nc:\nd: Null'],
    ['non-string keys', 'on: 1\n010: a\n1.5: b\nn: c\n7: d'],
    ['plain strings that look like something else', 'a: 1.2.3\nb: 0x\nc: "yes"\nd: +1\ne: 0b\nf: 1e'],
  ])('%s', async (_what, spec) => {
    const yaml = probe(spec);
    const kube = await kubeReads(`/apis/${GROUP}/v1/namespaces/default/probes`, yaml);
    expect(ours(yaml)['spec']).toEqual(kube['spec']);
  });

  it('gives a Secret volume defaultMode 0400 as 256, as kubectl does', async () => {
    const yaml = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec:',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec:',
      '      containers: [{name: web, image: nginx}]',
      '      volumes: [{name: s, secret: {secretName: s, defaultMode: 0400}}]',
      '',
    ].join('\n');
    const kube = await kubeReads('/apis/apps/v1/namespaces/default/deployments', yaml);
    const mode = (o: Record<string, unknown>): unknown =>
      (o as { spec: { template: { spec: { volumes: { secret: { defaultMode: number } }[] } } } }).spec.template.spec.volumes[0]?.secret.defaultMode;
    expect(mode(kube)).toBe(256);
    expect(mode(ours(yaml))).toBe(256);
  });
});
