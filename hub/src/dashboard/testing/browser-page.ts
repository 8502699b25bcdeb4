import { launchChromium } from '@driftless/testkit';
import { afterAll, beforeAll } from 'vitest';
import { startDashboardFixture, tempFileStore, type DashboardFixture, type DashboardFixtureOptions } from './dashboard-fixture.js';

/* What the rollout and flags pages' browser tests share. */

type Browser = Awaited<ReturnType<typeof launchChromium>>;
/** A playwright-core Page (hub names no playwright-core type). */
export type BrowserPage = Awaited<ReturnType<Browser['newPage']>>;

export { saveScreenshot } from './screenshots.js';

/** What browserPerFile gives a test file. */
export interface DashboardBrowser {
  /** A dashboard fixture over a fresh file store (12 clusters unless asked), closed and removed after the file. */
  fixture(opts: Omit<DashboardFixtureOptions, 'store'>): Promise<DashboardFixture>;
  /**
   * A page in a fresh browser context (its own sessionStorage) showing the
   * dashboard at `url` on `route` (`rollout`, `flags`), signed in with `token`
   * the way `npm start`'s link does (`#…&token=…`), or anonymous without one.
   */
  open(url: string, route: string, token?: string): Promise<BrowserPage>;
}

const violations = new WeakMap<BrowserPage, readonly string[]>();

/** What the page's Content-Security-Policy refused so far (Chromium's console errors), for a page `open` gave. */
export function cspViolations(page: BrowserPage): readonly string[] {
  return violations.get(page) ?? [];
}

/**
 * One Chromium for a test file (launched before its tests, closed after),
 * with everything opened through it cleaned up. Call it at the top level of a
 * test file: it registers `beforeAll` and `afterAll` hooks.
 */
export function browserPerFile(): DashboardBrowser {
  let browser: Browser | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
    await browser?.close();
  });
  return {
    async fixture(opts) {
      const t = await tempFileStore();
      const f = await startDashboardFixture({ store: t.store, clusters: 12, ...opts });
      cleanups.push(() => f.close(), t.remove);
      return f;
    },
    async open(url, route, token) {
      if (!browser) throw new Error('dashboard page open failed: Chromium is not launched (call browserPerFile at the top level)');
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      cleanups.unshift(() => context.close());
      const page = await context.newPage();
      const refused: string[] = [];
      violations.set(page, refused);
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().includes('Content Security Policy')) refused.push(m.text());
      });
      await page.goto(`${url}/#/${route}${token ? `&token=${encodeURIComponent(token)}` : ''}`);
      return page;
    },
  };
}
