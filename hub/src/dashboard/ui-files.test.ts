import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageSecurityHeaders, serveUiFile } from './ui-files.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!serveUiFile(req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A raw request: the path goes out as written (fetch would resolve `..` before sending). */
function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function indexUrls(): Promise<{ imports: string[]; styles: string[]; scripts: string[] }> {
  const html = await readFile(new URL('../../web/index.html', import.meta.url), 'utf8');
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}';
  const imports = Object.values((JSON.parse(map) as { imports: Record<string, string> }).imports);
  const styles = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1] ?? '');
  const scripts = [...html.matchAll(/<script type="module" src="([^"]+)"/g)].map((m) => m[1] ?? '');
  return { imports, styles, scripts };
}

describe('serveUiFile', () => {
  it('serves the page at / and /index.html, never cached without revalidation', async () => {
    for (const path of ['/', '/index.html']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<script type="importmap">');
    }
  });

  it('serves the page with a Content-Security-Policy allowing its import map by hash, and refuses framing', async () => {
    const html = await readFile(new URL('../../web/index.html', import.meta.url), 'utf8');
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(map).digest('base64');
    for (const path of ['/', '/index.html']) {
      const res = await get(path);
      const policy = String(res.headers['content-security-policy']).split('; ');
      expect(policy).toEqual(expect.arrayContaining(["default-src 'self'", `script-src 'self' 'sha256-${hash}'`, "frame-ancestors 'none'", "object-src 'none'"]));
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect(pageSecurityHeaders('<p>no script</p>')['content-security-policy']).toContain("script-src 'self';");
  });

  it('serves every module the import map and the page name as JavaScript, and every stylesheet as CSS', async () => {
    const { imports, styles, scripts } = await indexUrls();
    expect(imports).toHaveLength(5);
    for (const url of [...imports, ...scripts]) {
      const res = await get(url);
      expect({ url, status: res.status, type: res.headers['content-type'] }).toEqual({ url, status: 200, type: 'text/javascript; charset=utf-8' });
      expect(res.body.length).toBeGreaterThan(100);
    }
    for (const url of styles) {
      const res = await get(url);
      expect({ url, status: res.status, type: res.headers['content-type'] }).toEqual({ url, status: 200, type: 'text/css; charset=utf-8' });
    }
  });

  it('serves the built page modules the main module imports', async () => {
    const res = await get('/ui/js/pages/overview-page.js');
    expect(res.status).toBe(200);
    expect(res.body).toContain('OverviewPage');
  });

  it('answers a matching If-None-Match with 304 and HEAD without a body', async () => {
    const first = await get('/ui/vendor/preact.module.js');
    const etag = String(first.headers['etag']);
    expect((await get('/ui/vendor/preact.module.js', 'GET', { 'if-none-match': etag })).status).toBe(304);
    const head = await get('/ui/vendor/preact.module.js', 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', String(first.body.length)]);
  });

  it('refuses other methods with 405', async () => {
    const res = await get('/ui/dashboard.css', 'POST');
    expect([res.status, res.headers['allow']]).toEqual([405, 'GET, HEAD']);
  });

  it.each([
    '/ui/js/../../package.json',
    '/ui/js/..%2f..%2fpackage.json',
    '/ui/js/%2e%2e/%2e%2e/index.js',
    '/ui/js/../../../../etc/passwd.js',
    '/ui/vendor/../../package.json',
    '/ui/vendor/preact/package.json',
    '/ui/js/.tsbuildinfo',
    '/ui/js/api.js.map',
    '/ui/js/missing-module.js',
    '/ui/index.html',
  ])('answers 404 for %s, reading nothing outside the allowlist', async (path) => {
    expect((await get(path)).status).toBe(404);
  });

  it('leaves other paths to the caller', async () => {
    expect((await get('/api/v1/whoami')).status).toBe(418);
    expect((await get('/healthz')).status).toBe(418);
  });
});
