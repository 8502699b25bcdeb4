import { launchChromium } from '@driftless/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, saveScreenshot } from './testing/browser-page.js';
import { ALICE, startDashboardFixture, tempFileStore } from './testing/dashboard-fixture.js';
import { readFlagOverrides } from '../flags/flag-overrides-store.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;

let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await browser.close();
});

describe('the flags page in Chromium', () => {
  it('turns the kill switch off everywhere: the store holds the override and the audit log alice and the reason', async () => {
    const t = await tempFileStore();
    const f = await startDashboardFixture({ store: t.store, clusters: 8, scenario: 'awaiting-approval' });
    cleanups.push(() => f.close(), t.remove);
    const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
    cleanups.unshift(() => context.close());
    const page = await context.newPage();
    await openDashboard(page, f.url, 'flags', ALICE.token);

    const row = page.locator('tr[data-flag="checkout-kill"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(expect.arrayContaining(['kill-switch', 'team-web', 'on', 'canary=on rest=on', 'ok']));
    await row.getByRole('button', { name: 'Kill switch (set off)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('textarea').fill('checkout errors');
    await dialog.getByRole('button', { name: 'Set off' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.locator('.override', { hasText: `by ${ALICE.user}` }).waitFor();

    const overrides = (await readFlagOverrides(f.store))?.doc.overrides;
    expect(overrides?.['checkout-kill']).toMatchObject({ variant: 'off', actor: ALICE.user, reason: 'checkout errors' });
    const set = (await f.audit.read()).filter((e) => e.action === 'flag.override.set');
    expect(set).toEqual([expect.objectContaining({ actor: ALICE.user, reason: 'checkout errors', subject: expect.stringContaining('checkout-kill') as unknown })]);
    expect(await row.getByRole('button', { name: 'Clear override' }).isEnabled()).toBe(true);
    await saveScreenshot(page, 'flags');
  });
});
