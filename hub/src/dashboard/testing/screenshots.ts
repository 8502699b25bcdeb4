import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the browser tests leave their screenshots: test-artifacts/screenshots at the repo root (ignored by git, kept by CI). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../test-artifacts/screenshots/', import.meta.url));

/** What saveScreenshot needs of a playwright-core Page (structural: hub does not depend on playwright-core). */
export interface ScreenshotPage {
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}

/**
 * Saves a full-page PNG of `page` as `test-artifacts/screenshots/<name>.png`
 * (name: kebab-case, e.g. `overview`), creating the directory; returns the
 * file's path. Overwrites an earlier one of the same name.
 */
export async function saveScreenshot(page: ScreenshotPage, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot ${name} save failed: the name must be kebab-case`);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
