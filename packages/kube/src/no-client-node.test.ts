import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * A resolve hook that fails any import of `@kubernetes/client-node`, which
 * costs about 70 MiB resident once loaded. A child node process registers it,
 * imports this package's built entry point (dist, as a deployed agent runs
 * it), loads a kubeconfig and sends requests, as the agent does.
 */
const HOOK = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@kubernetes/client-node')) throw new Error('loaded ' + specifier + ' (from ' + context.parentURL + ')');
  return next(specifier, context);
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`)}`;

// A plain HTTP API server on loopback that serves ConfigMaps and nothing else, then the agent's requests to it.
const SCRIPT = `
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const { createKubeTarget, leaseLock, loadKubeConfig } = await import('@driftless/kube');
const server = createServer((req, res) => res.end(JSON.stringify(req.url === '/api/v1' ? { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] } : { items: [] })));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const file = process.argv[1];
writeFileSync(file, JSON.stringify({ 'current-context': 'x', clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:' + server.address().port, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }] }));
const kc = loadKubeConfig(file);
const kube = createKubeTarget(kc);
leaseLock(kc, 'ns', 'leader');
console.log(JSON.stringify(await kube.list('v1', 'ConfigMap', 'a=b')));
server.close();
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'no-client-node-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("the agent's Kubernetes adapter", () => {
  it('loads a kubeconfig and sends its requests without loading @kubernetes/client-node', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, '');
    const run = promisify(execFile)(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', SCRIPT, kubeconfig], { cwd: root });
    await expect(run).resolves.toMatchObject({ stdout: '[]\n' });
  });
});
