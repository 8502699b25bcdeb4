import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '@driftless/hub';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { createFileStore } from '@driftless/store';
import { commitFiles, createBareRepo, generateFleet } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { main } from './main.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const TOKEN = 'alice-serve-token';

/** Runs `hub serve` in-process on a fresh fleet and file store until `use` resolves; `use` gets the startup line. */
async function serving(extra: (dir: string) => Promise<string[]>, use: (line: string, dir: string) => Promise<void>): Promise<void> {
  const name = uniqueName('serve-dashboard');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, generateFleet({ clusters: 3, apps: 1, kustomizeApps: 0 }), 'first');
  const dir = await mkdtemp(join(tmpdir(), 'driftless-serve-dashboard-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  let started: (line: string) => void = () => undefined;
  const line = new Promise<string>((resolve) => (started = resolve));
  const io = { stdout: (t: string) => (t.includes('listening on') ? started(t) : undefined), stderr: () => undefined };
  const before = new Set([...process.listeners('SIGTERM'), ...process.listeners('SIGINT')]);
  const args = ['hub', 'serve', '--repo', `${env.git.baseUrl}${name}.git`, '--store', `file:${join(dir, 'store')}`, '--cache-dir', join(dir, 'cache'), '--poll', '1h', '--listen', '127.0.0.1:0'];
  const run = main([...args, ...(await extra(dir))], io);
  try {
    await use(await Promise.race([line, run.then((code) => Promise.reject(new Error(`hub serve exited ${code}`)))]), dir);
  } finally {
    process.listeners('SIGTERM').find((l) => !before.has(l))?.('SIGTERM');
    expect(await run).toBe(0);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) for (const l of process.listeners(signal).filter((l) => !before.has(l))) process.removeListener(signal, l);
  }
}

const urlOf = (line: string): string => /dashboard at (http:\/\/\S+?)\/?(?:\s|$)/.exec(line)?.[1] ?? expect.fail(`no dashboard URL in ${line}`);

describe('hub serve with the dashboard', () => {
  it('prints the dashboard URL, serves the API to a --tokens user and records her changes as her', async () => {
    const tokens = async (dir: string) => {
      const file = join(dir, 'tokens');
      await writeFile(file, `# dashboard users\nalice:${createHash('sha256').update(TOKEN).digest('hex')}\n`);
      return ['--tokens', file];
    };
    await serving(tokens, async (line, dir) => {
      expect(line).not.toContain('refuses everyone');
      const url = urlOf(line);
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect(await (await fetch(`${url}/api/v1/whoami`, { headers: auth })).json()).toEqual({ user: 'alice', canWrite: true, anonymousRead: false });
      expect((await fetch(`${url}/api/v1/whoami`)).status).toBe(401);
      const frozen = await fetch(`${url}/api/v1/freeze`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'from the dashboard' }) });
      expect(frozen.status).toBe(200);
      const entries = await createAuditLog({ store: createFileStore(join(dir, 'store')), clock: systemClock }).read();
      expect(entries.find((e) => e.action === 'fleet.frozen')).toMatchObject({ actor: 'alice', reason: 'from the dashboard' });
    });
  });

  it('says in the startup line that the API refuses everyone without --tokens, --trust-header or --anonymous-read', async () => {
    await serving(
      () => Promise.resolve([]),
      async (line) => {
        expect(line).toContain('its API refuses everyone');
        expect((await fetch(`${urlOf(line)}/api/v1/fleet`)).status).toBe(401);
      },
    );
  });
});
