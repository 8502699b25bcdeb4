import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * What the rollout and flags pages' browser tests share. saveScreenshot is the
 * same tiny helper branch wt-ui adds as hub/src/dashboard/testing/screenshots.ts;
 * fold the two when both are merged.
 */

/** Where the browser tests leave their screenshots: test-artifacts/screenshots at the repo root. */
const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../test-artifacts/screenshots/', import.meta.url));

/** What these helpers need of a playwright-core Page (structural: hub does not depend on playwright-core). */
export interface BrowserPage {
  goto(url: string): Promise<unknown>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}

/** Saves a full-page PNG of `page` as `test-artifacts/screenshots/<name>.png`; returns its path. */
export async function saveScreenshot(page: BrowserPage, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Opens the dashboard at `url` on page `route` (`rollout`, `flags`), signed in
 * with `token` the way `npm start`'s link does (`#…&token=…`, which the UI
 * moves into sessionStorage), or anonymously without one.
 */
export async function openDashboard(page: BrowserPage, url: string, route: string, token?: string): Promise<void> {
  await page.goto(`${url}/#/${route}${token ? `&token=${encodeURIComponent(token)}` : ''}`);
}
