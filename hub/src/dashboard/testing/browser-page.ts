import { launchChromium } from '@driftless/testkit';
import { afterAll, afterEach, beforeAll } from 'vitest';
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
   * A blank page in a fresh browser context (its own sessionStorage), its
   * Content-Security-Policy refusals recorded: each test fails after it ends
   * when a page it opened was refused anything (see {@link takeCspViolations}).
   */
  newPage(): Promise<BrowserPage>;
  /**
   * {@link DashboardBrowser.newPage} showing the dashboard at `url` on `route`
   * (`rollout`, `flags`), signed in with `token` the way `npm start`'s link
   * does (`#…&token=…`), or anonymous without one.
   */
  open(url: string, route: string, token?: string): Promise<BrowserPage>;
}

/** Every page a DashboardBrowser made, with what its Content-Security-Policy refused (each line led by the page's address). */
const violations = new Map<BrowserPage, string[]>();

/**
 * What the page's Content-Security-Policy refused since the last call
 * (Chromium's console errors), for a page browserPerFile made; taken, so a
 * test that provokes a refusal on purpose asserts it and the test still passes.
 */
export function takeCspViolations(page: BrowserPage): readonly string[] {
  const refused = violations.get(page) ?? [];
  return refused.splice(0, refused.length);
}

/** Throws naming every page with a refusal not taken, and the refusal; clears them. */
function failOnCspViolations(): void {
  const lines = [...violations.values()].flatMap((refused) => refused.splice(0, refused.length));
  if (lines.length > 0) throw new Error(`dashboard page CSP check failed: ${lines.length} refusal(s):\n${lines.join('\n')}`);
}

/**
 * One Chromium for a test file (launched before its tests, closed after),
 * with everything opened through it cleaned up, and every page it made
 * checked for Content-Security-Policy refusals after each test and before
 * the browser closes. Call it at the top level of a test file: it registers
 * `beforeAll`, `afterEach` and `afterAll` hooks.
 */
export function browserPerFile(): DashboardBrowser {
  let browser: Browser | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const made = new Set<BrowserPage>();
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(failOnCspViolations);
  afterAll(async () => {
    try {
      failOnCspViolations();
    } finally {
      for (const c of cleanups) await c();
      await browser?.close();
      for (const page of made) violations.delete(page);
    }
  });
  const newPage = async (): Promise<BrowserPage> => {
    if (!browser) throw new Error('dashboard page open failed: Chromium is not launched (call browserPerFile at the top level)');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    cleanups.unshift(() => context.close());
    const page = await context.newPage();
    const refused: string[] = [];
    violations.set(page, refused);
    made.add(page);
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().includes('Content Security Policy')) refused.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  };
  return {
    async fixture(opts) {
      const t = await tempFileStore();
      const f = await startDashboardFixture({ store: t.store, clusters: 12, ...opts });
      cleanups.push(() => f.close(), t.remove);
      return f;
    },
    newPage,
    async open(url, route, token) {
      const page = await newPage();
      await page.goto(`${url}/#/${route}${token ? `&token=${encodeURIComponent(token)}` : ''}`);
      return page;
    },
  };
}
