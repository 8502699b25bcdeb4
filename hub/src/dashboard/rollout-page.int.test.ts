import { describe, expect, it } from 'vitest';
import type { RolloutView } from './api-types.js';
import { browserPerFile, takeCspViolations, saveScreenshot } from './testing/browser-page.js';
import { ALICE } from './testing/dashboard-fixture.js';
import { ERROR_RATE_MAX } from './testing/seed-fleet.js';
import { readCurrentRolloutDocument } from '../rollout/rollout-store.js';

const chromium = browserPerFile();

describe('the rollout page in Chromium', () => {
  it('approves the ring awaiting approval: the store opens it and the audit log records alice and the reason typed', async () => {
    const f = await chromium.fixture({ scenario: 'awaiting-approval' });
    const page = await chromium.open(f.url, 'rollout', ALICE.token);
    const rest = page.locator('section.ring[data-ring="rest"]');
    await rest.locator('.ring-phase[data-phase="AwaitingApproval"]').waitFor();
    await page.locator('section.ring[data-ring="canary"] .ring-phase[data-phase="Succeeded"]').waitFor();
    await saveScreenshot(page, 'rollout');

    await rest.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve ring rest' });
    await dialog.locator('textarea').fill('canary looks healthy');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.waitFor({ state: 'detached' });
    await rest.locator('.ring-phase:not([data-phase="AwaitingApproval"])').waitFor();

    const doc = (await readCurrentRolloutDocument(f.store))?.doc;
    expect(doc?.rings[1]?.approval).toMatchObject({ actor: ALICE.user, reason: 'canary looks healthy' });
    expect(doc?.rings[1]?.phase).not.toBe('AwaitingApproval');
    const approved = (await f.audit.read()).filter((e) => e.action === 'rollout.approved');
    expect(approved).toEqual([expect.objectContaining({ actor: ALICE.user, reason: 'canary looks healthy' })]);
    await rest.locator('.approval', { hasText: /approved by alice at .*: canary looks healthy/ }).waitFor();
    expect(takeCspViolations(page)).toEqual([]);
  });

  it('shows the check that halted the rollout: its values, its threshold, and a chart with every point', async () => {
    const f = await chromium.fixture({ scenario: 'halted-by-check' });
    const view = (await (await f.fetchAs('/api/v1/rollouts/current')).json()) as RolloutView;
    const check = view.rings[0]?.checks[0];
    expect(check?.latest?.value).toBeGreaterThan(ERROR_RATE_MAX);
    const page = await chromium.open(f.url, 'rollout', ALICE.token);

    const banner = page.locator('.halt-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Halted by hub .*automatic, ring canary/);
    expect(await banner.locator('.breached').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(`breached check:error-rate: ${check?.latest?.subject} ${check?.latest?.value} > max ${ERROR_RATE_MAX}`)]),
    );
    const figure = page.locator('section.ring[data-ring="canary"] figure[data-check="error-rate"]');
    expect(await figure.locator('figcaption').textContent()).toContain(`max ${ERROR_RATE_MAX}`);
    const line = (await figure.locator('.check-line').textContent()) ?? '';
    expect(line).toContain(`${check?.latest?.value} (${check?.latest?.subject}) > max ${ERROR_RATE_MAX}`);
    const points = (check?.history ?? []).filter(([, v]) => v !== null).length;
    expect(points).toBeGreaterThanOrEqual(3);
    expect(await figure.locator('canvas').getAttribute('data-points')).toBe(String(points));
    expect(await page.getByRole('button', { name: 'Resume' }).isEnabled()).toBe(true);
    await saveScreenshot(page, 'rollout-halted');
    // The page, its chart included, runs under the Content-Security-Policy, which refuses a script injected inline.
    expect(takeCspViolations(page)).toEqual([]);
    const refusal = page.waitForEvent('console', (m) => m.text().includes('Content Security Policy'));
    // A string, run in the page (this project has no DOM types).
    const injected = await page.evaluate<string>(`(() => {
      const s = document.createElement('script');
      s.textContent = 'document.body.dataset.injected = "ran"';
      document.body.append(s);
      return document.body.dataset.injected ?? 'refused';
    })()`);
    expect(injected).toBe('refused');
    await refusal;
    expect(takeCspViolations(page)).toEqual([expect.stringContaining("script-src 'self' 'sha256-")]);
  });

  it('disables Approve, saying why, for a reader who may not write', async () => {
    const f = await chromium.fixture({ scenario: 'awaiting-approval', auth: { anonymousRead: true } });
    const page = await chromium.open(f.url, 'rollout');
    const approve = page.locator('section.ring[data-ring="rest"]').getByRole('button', { name: 'Approve' });
    await page.locator('section.ring[data-ring="rest"] button[title="sign in with a token to make changes"]').waitFor();
    expect(await approve.isDisabled()).toBe(true);
  });
});
