import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchChromium } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');
const USER = 'carol';

describe('driftless demo, approved in the dashboard', () => {
  it('waits for ring-2 while a person opens the printed link in Chromium and approves it: the demo names her, and so does the audit log', async () => {
    // --approve-after 10m: the demo must not approve on its own while the browser does.
    const child = spawn(process.execPath, [BIN, 'demo', '--clusters', '20', '--interval', '1s', '--dashboard-port', '0', '--approve-after', '10m'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DRIFTLESS_ACTOR: USER },
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const seen = (pattern: RegExp, where: () => string, stream: NodeJS.ReadableStream): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(where());
          if (m) {
            stream.off('data', check);
            resolve(m);
          }
        };
        stream.on('data', check);
        check();
        void exited.then((code) => reject(new Error(`demo exited with ${String(code)} before printing ${String(pattern)}:\n${stderr}`)));
      });
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const browser = await launchChromium();
    try {
      const prompt = await seen(/^approve ring-2 in the dashboard \((http:\/\/127\.0\.0\.1:\d+\/#\/rollout&token=[\w-]+)\), or the demo approves it itself in 600s$/m, () => stderr, child.stderr);
      const page = await browser.newPage();
      await page.goto(prompt[1] ?? '');
      // Signed in by the link's token, which leaves the address.
      await page.locator(`.who[data-who="${USER}"]`).waitFor();
      expect(page.url()).not.toContain('token=');
      const ring = page.locator('section.ring[data-ring="ring-2"]');
      await ring.locator('.ring-phase[data-phase="AwaitingApproval"]').waitFor();
      await ring.getByRole('button', { name: 'Approve' }).click();
      const dialog = page.getByRole('dialog', { name: 'Approve ring ring-2' });
      await dialog.locator('textarea').fill('ring-1 is clean');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await dialog.waitFor({ state: 'detached' });

      await seen(/^ring-2 approved by carol$/m, () => stderr, child.stderr);
      await seen(/Ctrl-C/, () => stdout, child.stdout);
      expect(stderr).toMatch(/^ring-2 +Succeeded +16\/16 applied +soak done$/m);
      expect(stderr).not.toContain('the demo approves it itself (as');
      const storeUrl = /--store (file:\S+)/.exec(stdout)?.[1] ?? '';
      const { stdout: log } = await promisify(execFile)(process.execPath, [BIN, 'audit', 'log', '--store', storeUrl, '--json']);
      const approvals = (JSON.parse(log) as { actor: string; action: string; reason?: string }[]).filter((e) => e.action === 'rollout.approved');
      expect(approvals).toEqual([expect.objectContaining({ actor: USER, reason: 'ring-1 is clean' })]);
    } finally {
      await browser.close();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
