import { describe, expect, it } from 'vitest';
import { browserPerFile, saveScreenshot } from './testing/browser-page.js';
import { ALICE } from './testing/dashboard-fixture.js';
import { readFlagOverrides } from '../flags/flag-overrides-store.js';

const chromium = browserPerFile();

describe('the flags page in Chromium', () => {
  it('turns the kill switch off everywhere: the store holds the override and the audit log alice and the reason', async () => {
    const f = await chromium.fixture({ clusters: 8, scenario: 'awaiting-approval' });
    const page = await chromium.open(f.url, 'flags', ALICE.token);

    const row = page.locator('tr[data-flag="checkout-kill"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(expect.arrayContaining(['kill-switch', 'team-web', 'on', 'canary=on rest=on', 'ok']));
    await row.getByRole('button', { name: 'Kill switch (set off)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('textarea').fill('checkout errors');
    await dialog.getByRole('button', { name: 'Set off' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.locator('.override', { hasText: `by ${ALICE.user}` }).waitFor();
    // The result shows in the shell's toast area, as on every page.
    expect(await page.locator('.toasts .toast').first().textContent()).toContain(`set flag checkout-kill to off on 8 cluster(s) as ${ALICE.user}: checkout errors`);
    expect(await row.locator('td.health').getAttribute('class')).toBe('health health-ok');

    const overrides = (await readFlagOverrides(f.store))?.doc.overrides;
    expect(overrides?.['checkout-kill']).toMatchObject({ variant: 'off', actor: ALICE.user, reason: 'checkout errors' });
    const set = (await f.audit.read()).filter((e) => e.action === 'flag.override.set');
    expect(set).toEqual([expect.objectContaining({ actor: ALICE.user, reason: 'checkout errors', subject: expect.stringContaining('checkout-kill') as unknown })]);
    expect(await row.getByRole('button', { name: 'Clear override' }).isEnabled()).toBe(true);
    await saveScreenshot(page, 'flags');
  });
});
