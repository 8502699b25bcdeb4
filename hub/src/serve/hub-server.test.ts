import { createHmac } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import type { BranchListing } from '@driftless/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cutOff } from '../testing/hub-lease-cases.js';
import { hubHttpListener } from './http-routes.js';
import { createHubServer, type CompileTarget, type HubServer, type HubServerDeps } from './hub-server.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const servers: HubServer[] = [];
const listeners: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(listeners.splice(0).map((l) => new Promise((resolve) => l.close(resolve))));
});

function setup(over: Partial<HubServerDeps> = {}) {
  const clock = new VirtualClock(START);
  const store = new MemoryObjectStore({ clock });
  const repo = new MemoryRepository();
  repo.commit({ 'fleet.yaml': 'a\n' }, 'first');
  const compiled: CompileTarget[] = [];
  const steps: number[] = [];
  const logs: Record<string, unknown>[] = [];
  const deps: HubServerDeps = {
    store,
    clock,
    source: repo,
    repo: repo.url,
    identity: 'hub-a',
    compile: async (target) => {
      compiled.push(target);
      await repo.sync(target);
    },
    step: () => {
      steps.push(clock.now() - START);
      return Promise.resolve();
    },
    log: (e) => logs.push(e),
    ...over,
  };
  const server = createHubServer(deps);
  servers.push(server);
  return { clock, store, repo, compiled, steps, logs, server, deps };
}

describe('hub serve loop', () => {
  it('compiles the head once when it takes the lease, and a new commit once at the next poll', async () => {
    const { clock, repo, compiled, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const first = repo.head();
    expect(compiled.map((c) => c.commit)).toEqual([first]);
    const second = repo.commit({ 'fleet.yaml': 'b\n' }, 'second');
    await clock.advance(START + 29_999);
    expect(compiled, 'not before the poll interval').toHaveLength(1);
    await clock.advance(START + 30_000);
    expect(compiled.map((c) => c.commit)).toEqual([first, second]);
    expect(server.health()).toMatchObject({ active: true, holder: 'hub-a', lastCompile: { ok: true, commit: second } });
  });

  it('lists the ref every poll but fetches only when its commit changed', async () => {
    const { clock, repo, server } = setup();
    server.start();
    await clock.advance(START + 5 * 30_000);
    expect(repo.resolves).toBe(6);
    expect(repo.syncs, 'one fetch, for the one commit').toBe(1);
  });

  it('steps rollouts every step interval, only while it holds the lease', async () => {
    const { clock, steps, server, store, deps } = setup();
    const standby = createHubServer({ ...deps, identity: 'hub-b', store, step: () => Promise.reject(new Error('a standby stepped')) });
    servers.push(standby);
    server.start();
    standby.start();
    await clock.advance(START + 20_000);
    expect(steps).toEqual([5_000, 10_000, 15_000, 20_000]);
    expect(standby.health()).toMatchObject({ active: false, holder: 'hub-a', lastStep: null });
  });

  it('stops acting at its renew deadline once it cannot renew, and the standby takes over only after the lease went unchanged for its whole duration', async () => {
    const { clock, store, steps, deps, logs } = setup();
    const net = cutOff(store);
    const holder = createHubServer({ ...deps, store: net.store });
    const standbySteps: number[] = [];
    const standby = createHubServer({ ...deps, identity: 'hub-b', step: () => Promise.resolve(standbySteps.push(clock.now() - START)) });
    servers.push(holder, standby);
    holder.start();
    standby.start();
    await clock.advance(START + 12_000);
    net.down = true; // the last renewal that landed was at 10 s: the holder acts until 30 s (2/3 of the lease), a standby may take over at 40 s
    await clock.advance(START + 60_000);
    expect(steps).toEqual([5_000, 10_000, 15_000, 20_000, 25_000]);
    expect(holder.health()).toMatchObject({ active: false });
    expect(standbySteps[0], 'the standby steps only after the expiry').toBeGreaterThanOrEqual(40_000);
    expect(standby.health()).toMatchObject({ active: true, holder: 'hub-b' });
    expect(logs.some((l) => l['msg'] === 'hub serve lease lost: standing by')).toBe(true);
  });

  it('retries a failing action at the next interval, then backs off while it keeps failing, and never stops', async () => {
    const failures = new Set([5_000, 10_000, 20_000]);
    const { clock, server, logs, deps } = setup();
    const calls: number[] = [];
    const failing = createHubServer({
      ...deps,
      step: () => {
        const t = clock.now() - START;
        calls.push(t);
        return failures.has(t) ? Promise.reject(new Error(`boom at ${t}`)) : Promise.resolve();
      },
    });
    void server;
    servers.push(failing);
    failing.start();
    await clock.advance(START + 60_000);
    expect(calls).toEqual([5_000, 10_000, 20_000, 40_000, 45_000, 50_000, 55_000, 60_000]);
    expect(logs.filter((l) => l['action'] === 'step').map((l) => l['msg'])).toEqual([
      'hub serve step failed: boom at 5000',
      'hub serve step failed: boom at 10000',
      'hub serve step failed: boom at 20000',
    ]);
    expect(failing.health().lastStep).toMatchObject({ ok: true });
  });

  it('retries a failed compile of the same commit at the next poll', async () => {
    let fail = true;
    const { clock, repo, server } = setup({
      compile: () => {
        if (fail) return Promise.reject(new Error('render failed'));
        return Promise.resolve();
      },
    });
    server.start();
    await clock.advance(START + 1);
    expect(server.health().lastCompile).toMatchObject({ ok: false, error: 'render failed', commit: repo.head() });
    fail = false;
    await clock.advance(START + 30_000);
    expect(server.health().lastCompile).toMatchObject({ ok: true, commit: repo.head() });
  });

  it('compiles the commit it listed, or says so and counts the one compiled when the ref moved meanwhile', async () => {
    const { clock, repo, compiled, server, logs } = setup({
      compile: async (target) => {
        compiled.push(target);
        if (compiled.length === 1) repo.commit({ 'fleet.yaml': 'moved\n' }, 'pushed between the listing and the fetch');
        return { revision: (await repo.sync(target)).reader.commit };
      },
    });
    const listed = repo.head();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const moved = repo.head();
    expect(moved).not.toBe(listed);
    expect(server.health().lastCompile).toMatchObject({ ok: true, commit: moved });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', listed, commit: moved }));
    await clock.advance(START + 30_000);
    expect(compiled, 'the moved commit is compiled already: no second compile').toHaveLength(1);
  });

  it('aborts an action in flight when the lease is lost (its renew deadline passes)', async () => {
    const { clock, store, deps } = setup();
    const net = cutOff(store);
    const aborted: number[] = [];
    const holder = createHubServer({
      ...deps,
      store: net.store,
      stepMs: 12_000,
      step: (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted.push(clock.now() - START);
            reject(signal.reason as Error);
          });
        }),
    });
    servers.push(holder);
    holder.start();
    await clock.advance(START + 12_000);
    net.down = true; // the last renewal landed at 10 s: the term ends at 30 s
    await clock.advance(START + 40_000);
    expect(aborted).toEqual([30_000]);
    expect(holder.health()).toMatchObject({ active: false, lastStep: { ok: false, error: 'hub serve lost the lease' } });
  });

  it('on stop, aborts the action in flight and releases the lease; one that ignores the abort is waited for only the grace period', async () => {
    const { clock, store, deps } = setup();
    const ignoring = createHubServer({ ...deps, stopGraceMs: 5_000, step: () => new Promise<never>(() => undefined) });
    ignoring.start();
    await clock.advance(START + 5_000);
    let stopped = false;
    const stopping = ignoring.stop().then(() => (stopped = true));
    await clock.advance(START + 9_999, () => stopped);
    expect(stopped, 'still within the grace period').toBe(false);
    await clock.advance(START + 10_000, () => stopped);
    await stopping;
    const lease = await store.get('hub/lease.json');
    expect(lease.kind === 'found' && JSON.parse(new TextDecoder().decode(lease.body))).toMatchObject({ holder: 'hub-a', released: true });

    let abortedAt: number | undefined;
    const honouring = createHubServer({
      ...deps,
      identity: 'hub-c',
      step: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject((abortedAt = clock.now(), signal.reason as Error)))),
    });
    honouring.start();
    await clock.advance(START + 40_000, () => honouring.health().active);
    await clock.advance(clock.now() + 5_000);
    const t = clock.now();
    await honouring.stop();
    expect(abortedAt, 'aborted at once, no wait').toBe(t);
    expect(clock.now()).toBe(t);
  });

  it('warns about an action that outlived the grace period only when one did: a clean stop logs no warning', async () => {
    const notEnded = (logs: readonly Record<string, unknown>[]) => logs.filter((l) => String(l['msg']).includes('did not end within'));
    const clean = setup();
    clean.server.start();
    await clean.clock.advance(START + 5_000, () => clean.steps.length > 0);
    await clean.server.stop();
    expect(notEnded(clean.logs)).toEqual([]);

    const stuck = setup();
    const ignoring = createHubServer({ ...stuck.deps, stopGraceMs: 5_000, step: () => new Promise<never>(() => undefined) });
    ignoring.start();
    await stuck.clock.advance(START + 5_000);
    let stopped = false;
    const stopping = ignoring.stop().then(() => (stopped = true));
    await stuck.clock.advance(START + 10_000, () => stopped);
    await stopping;
    expect(notEnded(stuck.logs).map((l) => l['msg'])).toEqual(['hub serve stop: an action did not end within 5000 ms of being aborted; releasing the lease anyway']);
  });

  it('releases the lease on stop, so a standby takes over at once', async () => {
    const { clock, server, store, deps, compiled } = setup();
    const standby = createHubServer({ ...deps, identity: 'hub-b' });
    servers.push(standby);
    server.start();
    standby.start();
    await clock.advance(START + 1);
    expect(compiled).toHaveLength(1);
    await server.stop();
    expect(server.health().active).toBe(false);
    await clock.advance(START + 10_000);
    expect(standby.health()).toMatchObject({ active: true, holder: 'hub-b' });
    expect(compiled, 'the new holder looks at the head at once').toHaveLength(2);
    void store;
  });
});

describe('hub serve HTTP', () => {
  const listen = async (server: HubServer, secret: string | undefined): Promise<string> => {
    const http = createServer(hubHttpListener(server, secret));
    listeners.push(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  };
  const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('polls at once on a push webhook with a valid GitHub signature, and answers 401 and does nothing to a bad one', async () => {
    const { clock, repo, compiled, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const url = await listen(server, 's3cret');
    const t0 = clock.now();
    const second = repo.commit({ 'fleet.yaml': 'b\n' }, 'second');
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const resolvesBefore = repo.resolves;

    const bad = await fetch(`${url}/hooks/push`, { method: 'POST', body, headers: { 'x-hub-signature-256': sign('wrong', body) } });
    expect(bad.status).toBe(401);
    const unsigned = await fetch(`${url}/hooks/push`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const health = await fetch(`${url}/healthz`);
    expect(repo.resolves, 'no poll').toBe(resolvesBefore);
    expect(compiled).toHaveLength(1);
    expect(await health.json()).toMatchObject({ active: true, holder: 'hub-a', lastCompile: { ok: true } });

    const polled = once(server.events, 'poll');
    const good = await fetch(`${url}/hooks/push`, { method: 'POST', body, headers: { 'x-hub-signature-256': sign('s3cret', body) } });
    expect(good.status).toBe(202);
    await polled;
    expect(compiled.map((c) => c.commit).at(-1), 'compiled without the clock moving').toBe(second);
    expect(clock.now()).toBe(t0);
  });

  it("accepts GitLab's token header", async () => {
    const { clock, repo, compiled, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const url = await listen(server, 's3cret');
    repo.commit({ 'fleet.yaml': 'b\n' }, 'second');
    expect((await fetch(`${url}/hooks/push`, { method: 'POST', body: '{}', headers: { 'x-gitlab-token': 'nope' } })).status).toBe(401);
    const polled = once(server.events, 'poll');
    expect((await fetch(`${url}/hooks/push`, { method: 'POST', body: '{}', headers: { 'x-gitlab-token': 's3cret' } })).status).toBe(202);
    await polled;
    expect(compiled).toHaveLength(2);
  });

  /** A POST over node:http that sends `chunks` and ends only when `end`: so a test can hold a body half-sent. */
  const post = (url: string, headers: Record<string, string | number>, chunks: (string | Buffer)[], end: boolean) => {
    const req = request(`${url}/hooks/push`, { method: 'POST', headers });
    const response = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    for (const c of chunks) req.write(c);
    if (end) req.end();
    return { req, response };
  };
  const MIB = 1024 * 1024;

  it('answers 413 to a declared Content-Length over 1 MiB, and to a streamed body passing it, without polling', async () => {
    const { clock, compiled, repo, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const url = await listen(server, 's3cret');
    const big = Buffer.alloc(MIB + 1, 0x20);
    const resolves = repo.resolves;
    const declared = post(url, { 'x-hub-signature-256': sign('s3cret', big.toString()), 'content-length': big.length }, [big], true);
    expect(await declared.response).toBe(413);
    const streamed = post(url, { 'x-hub-signature-256': sign('s3cret', big.toString()) }, [big.subarray(0, MIB), big.subarray(MIB)], true);
    expect(await streamed.response.catch(() => 'connection destroyed')).toSatisfy((r) => r === 413 || r === 'connection destroyed');
    expect(repo.resolves, 'no poll').toBe(resolves);
  });

  it("checks GitLab's token before reading the body", async () => {
    const { clock, compiled, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const url = await listen(server, 's3cret');
    const held = post(url, { 'x-gitlab-token': 'nope', 'content-length': 100 }, ['{"ref":'], false);
    expect(await held.response, 'answered while the body is still being sent').toBe(401);
    held.req.destroy();
  });

  it('answers 503 beyond 8 webhook requests in flight', async () => {
    const { clock, compiled, server } = setup();
    server.start();
    await clock.advance(START + 1, () => compiled.length > 0);
    const listener = hubHttpListener(server, 's3cret');
    const arrivals = new EventEmitter();
    const http = createServer((req, res) => {
      listener(req, res);
      arrivals.emit('request');
    });
    listeners.push(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const body = '{"ref":"refs/heads/main"}';
    let arrived = 0;
    const eight = new Promise<void>((resolve) => arrivals.on('request', () => ++arrived === 8 && resolve()));
    const slow = Array.from({ length: 8 }, () => post(url, { 'x-hub-signature-256': sign('s3cret', body), 'content-length': body.length }, ['{'], false));
    await eight;
    const ninth = post(url, { 'x-hub-signature-256': sign('s3cret', body), 'content-length': body.length }, [body], true);
    expect(await ninth.response).toBe(503);
    for (const s of slow) s.req.end(body.slice(1));
    expect(await Promise.all(slow.map((s) => s.response))).toEqual(Array.from({ length: 8 }, () => 202));
  });
});

describe('hub serve loop with previews', () => {
  /** A server whose previews callback records each listing it gets (and fails while `failing` is set). */
  function withPreviews(over: Partial<HubServerDeps> = {}) {
    const listings: BranchListing[] = [];
    const state = { failing: false };
    const s = setup({
      previews: (listing) => {
        listings.push(listing);
        return state.failing ? Promise.reject(new Error('preview feature-a build failed: boom')) : Promise.resolve();
      },
      ...over,
    });
    return { ...s, listings, state };
  }

  it('lists the branches once per poll, compiles the base when it changed, and runs the previews every poll', async () => {
    const { clock, repo, compiled, listings, server } = withPreviews();
    const resolveRef = vi.spyOn(repo, 'resolveRef');
    server.start();
    await clock.advance(START + 1, () => listings.length > 0);
    const first = repo.head();
    const feature = repo.commit({ 'fleet.yaml': 'f\n' }, 'feature', 'feature/a');
    await clock.advance(START + 30_000);
    await clock.advance(START + 60_000);
    expect(repo.resolves, 'one listing per poll').toBe(3);
    expect(resolveRef).not.toHaveBeenCalled();
    expect(compiled.map((c) => c.commit), 'the base did not change').toEqual([first]);
    expect(listings).toHaveLength(3);
    expect(listings[2]?.branches.get('feature/a')).toBe(feature);
    const second = repo.commit({ 'fleet.yaml': 'b\n' }, 'second');
    await clock.advance(START + 90_000);
    expect(compiled.map((c) => c.commit)).toEqual([first, second]);
    expect(listings).toHaveLength(4);
  });

  it('a failing previews callback shows in health and does not stop the loop or the compiles', async () => {
    const { clock, repo, compiled, listings, server, state, logs } = withPreviews();
    state.failing = true;
    server.start();
    await clock.advance(START + 1, () => listings.length > 0);
    expect(server.health()).toMatchObject({ lastCompile: { ok: true }, lastPreviews: { ok: false, error: 'preview feature-a build failed: boom' } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'hub serve previews failed: preview feature-a build failed: boom', action: 'previews' }));
    const second = repo.commit({ 'fleet.yaml': 'b\n' }, 'second');
    await clock.advance(START + 30_000);
    expect(compiled.map((c) => c.commit).at(-1), 'polled on time, not backed off').toBe(second);
    state.failing = false;
    await clock.advance(START + 60_000);
    expect(listings).toHaveLength(3);
    expect(server.health().lastPreviews).toMatchObject({ ok: true });
  });

  it('a missing base ref is refused as without previews, and runs no previews', async () => {
    const { clock, listings, server, logs } = withPreviews({ ref: 'release' });
    server.start();
    await clock.advance(START + 1, () => logs.some((l) => l['level'] === 'error'));
    expect(logs).toContainEqual(expect.objectContaining({ code: 'GitRefused', action: 'poll' }));
    expect(listings).toEqual([]);
    expect(server.health()).toMatchObject({ lastCompile: null, lastPreviews: null });
  });

  it('without previews, lists only the ref and reports no preview run', async () => {
    const { clock, repo, server } = setup();
    const listBranches = vi.spyOn(repo, 'listBranches');
    server.start();
    await clock.advance(START + 30_000);
    expect(listBranches).not.toHaveBeenCalled();
    expect(server.health().lastPreviews).toBeNull();
  });
});
