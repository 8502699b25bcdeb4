import { readFile } from 'node:fs/promises';
import { API_VERSION, type Preview } from '@driftless/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_PHASES, FLEET_PAINTED_MARK, type ClusterPhase } from './api-types.js';
import { browserPerFile, saveScreenshot, type BrowserPage as Page } from './testing/browser-page.js';
import { ALICE, type DashboardFixture } from './testing/dashboard-fixture.js';
import { readFreeze } from '../control/freeze.js';
import { writePreview } from '../previews/preview-store.js';

const CLUSTERS = 40;
// Every page comes from it, so each test fails on any Content-Security-Policy refusal.
const chromium = browserPerFile();
let f: DashboardFixture;

const COMMIT = 'c'.repeat(40);
const T = '2026-03-01T10:00:00.000Z';
const preview = (branch: string, slug: string, over: Partial<Preview>): Preview => ({
  apiVersion: API_VERSION,
  kind: 'Preview',
  branch,
  slug,
  namespace: `pr-${slug}`,
  commit: COMMIT,
  apps: ['web'],
  hosts: [],
  createdAt: T,
  updatedAt: T,
  expiresAt: '2026-03-04T10:00:00.000Z',
  ...over,
});

beforeAll(async () => {
  f = await chromium.fixture({ clusters: CLUSTERS, scenario: 'awaiting-approval' });
  await writePreview(f.store, preview('feature/login', 'feature-login', {}));
  await writePreview(f.store, preview('fix/typo', 'fix-typo', { error: { commit: COMMIT, message: 'kustomize build failed: no kustomization', at: T } }));
});

/** A page signed in as alice (the token taken from the address, as `npm start` prints it). */
async function signedIn(hash = '#/overview', onPage?: (page: Page) => void): Promise<Page> {
  const page = await chromium.newPage();
  onPage?.(page);
  // `&token=` after the route: the page moves it into sessionStorage and out of the address.
  await page.goto(`${f.url}/${hash}&token=${ALICE.token}`);
  return page;
}

async function painted(page: Page): Promise<void> {
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length === 1, FLEET_PAINTED_MARK);
}

/** An element as the callbacks run in the page see it (hub's tsconfig has no DOM lib). */
type El = { getAttribute(name: string): string | null };

/** `attr` of every element `selector` matches, in document order. */
const attrs = (page: Page, selector: string, attr: string): Promise<(string | null)[]> => page.locator(selector).evaluateAll((els: El[], a: string) => els.map((e) => e.getAttribute(a)), attr);

const phaseCounts = async (page: Page): Promise<Record<string, number>> => {
  const [phases, counts] = await Promise.all([attrs(page, '[data-phase][data-count]', 'data-phase'), attrs(page, '[data-phase][data-count]', 'data-count')]);
  return Object.fromEntries(phases.map((p, i): [string, number] => [p ?? '', Number(counts[i])]));
};

function expectedCounts(filter: (c: string) => boolean = () => true): Record<ClusterPhase, number> {
  const counts = Object.fromEntries(CLUSTER_PHASES.map((p) => [p, 0])) as Record<ClusterPhase, number>;
  for (const c of f.clusters.filter(filter)) counts[f.phases[c] ?? 'Unknown'] += 1;
  return counts;
}

describe('the dashboard in Chromium', () => {
  it('shows the fleet overview: counts by phase, the whole fleet on the grid, and a phase filter that narrows both', async () => {
    const fleetReads: string[] = [];
    const page = await signedIn('#/overview', (p) => p.on('request', (r) => (r.url().endsWith('/api/v1/fleet') ? fleetReads.push(r.url()) : undefined)));
    const control = page.waitForResponse((r) => r.url().endsWith('/api/v1/control') && r.status() === 200);
    await painted(page);
    // The freeze banner reads the small /control, not the fleet summary: the overview's read is the only one.
    expect(fleetReads).toHaveLength(1);
    expect(await (await control).json()).toEqual({});
    expect(await phaseCounts(page)).toEqual(expectedCounts());
    await expect.poll(() => page.locator('canvas').getAttribute('data-clusters')).toBe(String(CLUSTERS));
    expect(await page.locator('[data-ring="canary"] strong').textContent()).toBe(String(f.canary.length));
    expect(await page.locator('[data-revision] code').first().textContent()).toBe(f.revision.slice(0, 7));
    await expect.poll(() => page.locator('header .who').getAttribute('data-who')).toBe('alice');
    await saveScreenshot(page, 'overview');
    // The next poll revalidates: an unchanged fleet costs a 304.
    await page.waitForResponse((r) => r.url().endsWith('/api/v1/fleet') && r.request().headers()['if-none-match'] !== undefined && r.status() === 304);

    const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/fleet?phase=Failed') && r.status() === 200);
    await page.selectOption('select[name=phase]', 'Failed');
    await filtered;
    const failed = expectedCounts((c) => f.phases[c] === 'Failed').Failed;
    expect(failed).toBeGreaterThan(0);
    await expect.poll(() => page.locator('canvas').getAttribute('data-clusters')).toBe(String(failed));
    expect(await phaseCounts(page)).toEqual(expectedCounts((c) => f.phases[c] === 'Failed'));
    expect(new URL(page.url()).hash).toBe('#/overview?phase=Failed');

    // A filter in the address is the API's filter: the US clusters of ring rest.
    const us = page.waitForResponse((r) => r.url().includes('/api/v1/fleet?selector=region%3Dus&ring=rest') && r.status() === 200);
    await page.goto(`${f.url}/#/overview?selector=region%3Dus&ring=rest`);
    await us;
    const usRest = f.clusters.filter((c) => c.startsWith('us-') && !f.canary.includes(c));
    expect(usRest.length).toBeGreaterThan(0);
    expect(usRest.length).toBeLessThan(CLUSTERS - f.canary.length);
    await expect.poll(() => page.locator('canvas').getAttribute('data-clusters')).toBe(String(usRest.length));
    expect(await phaseCounts(page)).toEqual(expectedCounts((c) => usRest.includes(c)));
    expect(await page.inputValue('input[name=selector]')).toBe('region=us');
    expect(await page.inputValue('select[name=ring]')).toBe('rest');
    await page.close();
  });

  it('opens the rollout page signed in from a link with the token before the route, and keeps the route', async () => {
    const page = await chromium.newPage();
    await page.goto(`${f.url}/#token=${ALICE.token}&/rollout`);
    await expect.poll(() => page.locator('header .who').getAttribute('data-who')).toBe('alice');
    expect(await page.locator('header a.active').textContent()).toBe('Rollout');
    expect(new URL(page.url()).hash).toBe('#/rollout');
    expect(page.url()).not.toContain(ALICE.token);
    await page.close();
  });

  it('opens a cluster\'s detail from its grid cell, with its last error and objects', async () => {
    const page = await signedIn('#/overview');
    await painted(page);
    const target = f.clusters.find((c) => f.phases[c] === 'Failed') as string;
    const index = f.clusters.indexOf(target);
    const canvas = page.locator('canvas');
    const cols = Number(await canvas.getAttribute('data-cols'));
    const pitch = Number(await canvas.getAttribute('data-pitch'));
    const position = { x: (index % cols) * pitch + pitch / 2, y: Math.floor(index / cols) * pitch + pitch / 2 };
    await canvas.hover({ position });
    await expect.poll(() => page.locator('.grid-tip').textContent()).toContain(`${target} Failed`);
    await canvas.click({ position });
    await page.locator(`section.cluster[data-cluster="${target}"] .last-error`).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/cluster/${target}`);
    expect(await page.locator('.last-error').textContent()).toContain('Deployment/shop/web apply failed');
    expect(await page.locator('[aria-label="Status"] [data-phase]').textContent()).toBe('Failed');
    await saveScreenshot(page, 'cluster');

    const canary = f.canary[0] as string;
    await page.goto(`${f.url}/#/cluster/${canary}`);
    await page.locator('table.objects tbody tr').first().waitFor();
    expect(await page.locator('[aria-label="Pointer"]').textContent()).toContain(f.revision.slice(0, 7));
    expect(await page.locator('table.objects').textContent()).toContain('ConfigMap');
    await page.close();
  });

  it('asks for a token when the API refuses the call, and reads once signed in', async () => {
    const page = await chromium.newPage();
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/whoami') && r.status() === 401);
    await page.goto(`${f.url}/`);
    await refused;
    await page.locator('form.sign-in').waitFor();
    expect(await page.locator('header .who').textContent()).toBe('signed out');
    expect(await page.locator('canvas').count()).toBe(0);
    await saveScreenshot(page, 'sign-in');

    await page.fill('form.sign-in input[name=token]', ALICE.token);
    await page.click('form.sign-in button[type=submit]');
    await painted(page);
    await expect.poll(() => page.locator('header .who').getAttribute('data-who')).toBe('alice');
    expect(await page.locator('canvas').getAttribute('data-clusters')).toBe(String(CLUSTERS));
    await page.close();
  });

  it('lists the previews with their phase and errors', async () => {
    const page = await signedIn('#/previews');
    await page.locator('table.previews-table tbody tr').nth(1).waitFor();
    const rows = await attrs(page, 'table.previews-table tbody tr', 'data-branch');
    expect(rows.sort()).toEqual(['feature/login', 'fix/typo']);
    expect(await page.locator('tr[data-branch="fix/typo"]').textContent()).toContain('kustomize build failed: no kustomization');
    expect(await page.locator('tr[data-branch="feature/login"] code').first().textContent()).toBe(COMMIT.slice(0, 7));
    await saveScreenshot(page, 'previews');
    await page.close();
  });

  it('shows the audit log newest first, filters it through the API, and exports it as JSON lines', async () => {
    const page = await signedIn('#/audit');
    await page.locator('table.audit-table tbody tr').first().waitFor();
    const seqs = (await attrs(page, 'table.audit-table tbody tr', 'data-seq')).map(Number);
    expect(seqs.length).toBeGreaterThan(1);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    await saveScreenshot(page, 'audit');

    const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/audit?action=rollout.started') && r.status() === 200);
    await page.fill('input[name=action]', 'rollout.started');
    await page.click('form[aria-label="Audit filters"] button[type=submit]');
    await filtered;
    await expect.poll(() => page.locator('table.audit-table tbody tr').count()).toBe(1);
    expect(await page.locator('table.audit-table tbody tr td code').textContent()).toBe('rollout.started');

    const download = page.waitForEvent('download');
    await page.click('button:text("Export")');
    const file = await download;
    expect(file.suggestedFilename()).toBe('driftless-audit.jsonl');
    const shown = Number(await page.locator('table.audit-table tbody tr').getAttribute('data-seq'));
    const rows = (await readFile(await file.path(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; what: string });
    expect(rows).toEqual([expect.objectContaining({ seq: shown, what: 'rollout.started' })]);
    await page.close();
  });

  it('freezes and unfreezes the fleet through the reason dialog, recorded with the user\'s name', async () => {
    const page = await signedIn('#/overview');
    await painted(page);
    await page.click('button:text("Freeze fleet")');
    const dialog = page.locator('form[role=dialog]');
    expect(await dialog.locator('button[type=submit]').isDisabled()).toBe(true);
    await dialog.locator('textarea[name=reason]').fill('incident 42: payments degraded');
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/freeze') && r.request().method() === 'POST');
    await dialog.locator('button[type=submit]').click();
    expect((await posted).status()).toBe(200);
    await page.locator('.freeze-banner').waitFor();
    expect(await page.locator('.freeze-banner').textContent()).toContain('Fleet frozen by alice');
    expect(await page.locator('.toast').first().textContent()).toContain('froze the fleet as alice');
    expect(await readFreeze(f.store)).toMatchObject({ actor: 'alice', reason: 'incident 42: payments degraded' });
    const newest = (await f.audit.read()).at(-1);
    expect(newest).toMatchObject({ action: 'fleet.frozen', actor: 'alice', reason: 'incident 42: payments degraded' });
    await saveScreenshot(page, 'frozen');

    await page.click('.freeze-banner button:text("Unfreeze")');
    await page.locator('form[role=dialog] textarea[name=reason]').fill('incident 42 resolved');
    await page.locator('form[role=dialog] button[type=submit]').click();
    await page.locator('button:text("Freeze fleet")').waitFor();
    expect(await page.locator('.freeze-banner').count()).toBe(0);
    expect(await readFreeze(f.store)).toBeUndefined();
    await page.close();
  });
});

describe('the dashboard in Chromium for an anonymous reader', () => {
  it('reads without a token, says read-only and disables the freeze button', async () => {
    const anon = await chromium.fixture({ clusters: 8, auth: { anonymousRead: true } });
    const page = await chromium.newPage();
    await page.goto(`${anon.url}/`);
    await painted(page);
    expect(await page.locator('canvas').getAttribute('data-clusters')).toBe('8');
    await expect.poll(() => page.locator('header .who').textContent()).toBe('read-only');
    expect(await page.locator('button:text("Freeze fleet")').isDisabled()).toBe(true);
    await page.close();
  });
});
