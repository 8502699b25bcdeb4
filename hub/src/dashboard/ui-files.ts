import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** hub/web, the same from hub/src/dashboard (vitest) and hub/dist/dashboard (built). */
const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const WEB_DIST = join(WEB_DIR, 'dist');

/** A file the UI serves: where it is on disk, its content type, and how long a browser may keep it without asking. */
interface UiFile {
  readonly path: string;
  readonly type: string;
  readonly cacheControl: string;
  /** The page itself: served with the content security policy and framing refused. */
  readonly page?: boolean;
}

/** An inline script (no `src`): the import map; its text is what a CSP hash covers. */
const INLINE_SCRIPT = /<script\b(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g;

/**
 * The page's security headers. Scripts only from this origin plus the inline
 * scripts of `html` by their sha256 (the import map: taken from the bytes
 * served, so a rebuilt index.html needs no code change); no framing
 * (clickjacking of Freeze or the kill switch), no plugins, no base or form
 * target elsewhere. Styles only from this origin too: the UI and uPlot set
 * element styles through the CSSOM (`el.style`), which the policy allows.
 */
export function pageSecurityHeaders(html: string): Record<string, string> {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map((m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`);
  const policy = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  return { 'content-security-policy': policy.join('; '), 'x-frame-options': 'DENY' };
}

/** Our own files change with every build and their names do not: the browser revalidates (a 304 with the ETag). */
const REVALIDATE = 'no-cache';
/** The vendored libraries change only with an npm upgrade. */
const VENDOR_CACHE = 'public, max-age=3600';

/**
 * A package's directory: through its package.json where its `exports` let it
 * be resolved, else from its resolved main entry (the package root is the
 * directory above the nearest node_modules/<pkg>).
 */
function packageDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    const main = require.resolve(pkg);
    const marker = `${join('node_modules', pkg)}`;
    const at = main.lastIndexOf(marker);
    if (at < 0) throw new Error(`ui file ${pkg} resolve failed: ${main} is not inside node_modules/${pkg}`);
    return main.slice(0, at + marker.length);
  }
}

/** Exactly the files index.html's import map and stylesheet links name, nothing else from node_modules. */
function vendorFiles(): ReadonlyMap<string, UiFile> {
  const vendor = (pkg: string, file: string, type: string): UiFile => ({ path: join(packageDir(pkg), file), type, cacheControl: VENDOR_CACHE });
  return new Map([
    ['/ui/vendor/preact.module.js', vendor('preact', 'dist/preact.module.js', JS)],
    ['/ui/vendor/hooks.module.js', vendor('preact', 'hooks/dist/hooks.module.js', JS)],
    ['/ui/vendor/htm.module.js', vendor('htm', 'dist/htm.module.js', JS)],
    ['/ui/vendor/htm-preact.module.js', vendor('htm', 'preact/index.module.js', JS)],
    ['/ui/vendor/uPlot.esm.js', vendor('uplot', 'dist/uPlot.esm.js', JS)],
    ['/ui/vendor/uPlot.min.css', vendor('uplot', 'dist/uPlot.min.css', CSS)],
  ]);
}

let fixed: ReadonlyMap<string, UiFile> | undefined;

/** The fixed allowlist, built on first use (resolving packages at import time would cost every hub command). */
function fixedFiles(): ReadonlyMap<string, UiFile> {
  if (fixed) return fixed;
  const index: UiFile = { path: join(WEB_DIR, 'index.html'), type: HTML, cacheControl: REVALIDATE, page: true };
  fixed = new Map([['/', index], ['/index.html', index], ['/ui/dashboard.css', { path: join(WEB_DIR, 'dashboard.css'), type: CSS, cacheControl: REVALIDATE }], ...vendorFiles()]);
  return fixed;
}

/** `/ui/js/pages/overview-page.js`: lower-case kebab segments only, so no `..`, no dot file and no escape from hub/web/dist. */
const JS_PATH = /^\/ui\/js\/((?:[a-z0-9][a-z0-9-]*\/)*[a-z0-9][a-z0-9-]*)\.js$/;

/** The file a URL path names, or undefined: the only way a path from a URL reaches the filesystem. */
function uiFileFor(path: string): UiFile | undefined {
  const known = fixedFiles().get(path);
  if (known) return known;
  const js = JS_PATH.exec(path);
  if (!js?.[1]) return undefined;
  return { path: join(WEB_DIST, ...js[1].split('/')) + '.js', type: JS, cacheControl: REVALIDATE };
}

/**
 * Serves the web UI: `/` and `/index.html` (hub/web/index.html),
 * `/ui/dashboard.css`, `/ui/js/...` (hub/web/dist, the browser code tsc
 * builds) and `/ui/vendor/...` (preact, htm, uPlot from node_modules, exactly
 * the import map's files and uPlot's stylesheet). The page comes with a
 * Content-Security-Policy and X-Frame-Options: DENY (pageSecurityHeaders). GET and HEAD only (else
 * 405); an ETag (the content's sha256) answers a matching If-None-Match with
 * 304; an unknown or missing file under /ui/ is 404. Returns false, answering
 * nothing, for paths outside `/`, `/index.html` and `/ui/`.
 */
export function serveUiFile(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path !== '/' && path !== '/index.html' && !path.startsWith('/ui/')) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    plain(res, 405, 'use GET', { allow: 'GET, HEAD' });
    return true;
  }
  const file = uiFileFor(path);
  if (!file) {
    plain(res, 404, 'not found');
    return true;
  }
  readFile(file.path).then(
    (body) => {
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = { 'content-type': file.type, etag, 'cache-control': file.cacheControl, 'x-content-type-options': 'nosniff', ...(file.page ? pageSecurityHeaders(body.toString('utf8')) : {}) };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: NodeJS.ErrnoException) => plain(res, err.code === 'ENOENT' ? 404 : 500, err.code === 'ENOENT' ? 'not found' : 'ui file read failed'),
  );
  return true;
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}
