import type { HttpClient } from 'isomorphic-git';
import type { Clock } from '@driftless/core';
import { VirtualClock } from '@driftless/fakes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syncGitSource } from './git-source.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { GitIdleTimeoutError } from './idle-timeout.js';

const cacheDir = tempDirs('git-source');

const REMOTE = 'https://git.example/fleet.git';
const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** An HttpClient whose every request fails with `err`. */
const failingWith = (err: Error): HttpClient => ({ request: () => Promise.reject(err) });

describe('syncGitSource: how a failing fetch is classified and described', () => {
  it.each([
    ['our idle timeout (the server accepted and never answered)', new GitIdleTimeoutError(1_000), 'GitUnavailable', 'failed after 1 attempts: no response (timed out)'],
    ["Node's own connect timeout", coded('ETIMEDOUT', 'connect ETIMEDOUT 192.0.2.1:443'), 'GitUnavailable', 'failed after 1 attempts: ETIMEDOUT'],
    ['a reset connection', coded('ECONNRESET', 'socket hang up'), 'GitUnavailable', 'failed after 1 attempts: ECONNRESET'],
    // A client that wraps the socket's error still failed on the network: retried, exit code 1, not "bad input".
    ['a reset connection wrapped as the cause', new TypeError('fetch failed', { cause: coded('ECONNRESET') }), 'GitUnavailable', 'failed after 1 attempts: ECONNRESET'],
    ["undici's closed socket", new TypeError('fetch failed', { cause: coded('UND_ERR_SOCKET', 'other side closed') }), 'GitUnavailable', 'failed after 1 attempts: UND_ERR_SOCKET'],
    ['a host that does not exist (a mistyped URL needs a human)', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND git.example'), 'GitRefused', 'failed: getaddrinfo ENOTFOUND git.example'],
  ])('%s', async (_what, cause, code, message) => {
    const err = await syncGitSource({ repo: REMOTE, cacheDir: await cacheDir(), attempts: 1, http: failingWith(cause) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, data: { remote: REMOTE } });
    expect((err as Error).message).toBe(`git fetch ${REMOTE} ${message}`);
    expect((err as Error).cause).toBe(cause);
  });
});

/** Counts calls, and lets a test await the n-th. */
function calls(): { readonly count: number; hit: () => void; reached: (n: number) => Promise<void> } {
  let count = 0;
  const waiters = new Map<number, () => void>();
  return {
    get count() {
      return count;
    },
    hit() {
      count += 1;
      waiters.get(count)?.();
    },
    reached: (n) => (n <= count ? Promise.resolve() : new Promise((resolve) => waiters.set(n, resolve))),
  };
}

describe('syncGitSource: retries', () => {
  it('waits between attempts on the injected clock, backing off exponentially with the injected jitter', async () => {
    const clock = new VirtualClock(0);
    const requests = calls();
    const http: HttpClient = {
      request: (req) => {
        requests.hit();
        return Promise.resolve({ url: req.url, method: 'GET', statusCode: 503, statusMessage: 'Service Unavailable', headers: {} });
      },
    };
    const sleeps: number[] = [];
    const slept = calls();
    const observed: Pick<Clock, 'sleep'> = {
      sleep: (ms, signal) => {
        sleeps.push(ms);
        slept.hit();
        return clock.sleep(ms, signal);
      },
    };
    const rng = { next: () => 0.5 };
    const pending = syncGitSource({ repo: REMOTE, cacheDir: await cacheDir(), attempts: 3, backoffMs: 1_000, clock: observed, rng, http }).catch((e: unknown) => e);

    await slept.reached(1);
    expect([requests.count, sleeps]).toEqual([1, [500]]);
    expect(await clock.advance(499), 'no retry before the backoff has passed on the virtual clock').toBe(0);
    expect(requests.count).toBe(1);
    expect(await clock.advance(500)).toBe(1);
    await slept.reached(2);
    expect([requests.count, sleeps]).toEqual([2, [500, 1_000]]);
    await clock.advance(1_500);
    const err = await pending;
    expect(err).toMatchObject({ code: 'GitUnavailable', data: { remote: REMOTE, status: 503 } });
    expect((err as Error).message).toBe(`git fetch ${REMOTE} failed after 3 attempts: HTTP 503 Service Unavailable`);
    expect(requests.count).toBe(3);
  });
});

describe('syncGitSource: a server that stalls half way through its answer', () => {
  beforeEach(() => {
    // Only the idle timeout's timers: the file system and promises run as usual.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is retried as a silent server, not refused as a bad answer', async () => {
    const requested = calls();
    const http: HttpClient = {
      request: () => {
        requested.hit();
        // The first line of a ref advertisement, then nothing more.
        const line = new TextEncoder().encode('001e# service=git-upload-pack\n');
        let sent = false;
        const body: AsyncIterableIterator<Uint8Array> = {
          next: () => (sent ? new Promise(() => undefined) : ((sent = true), Promise.resolve({ done: false, value: line }))),
          [Symbol.asyncIterator]: () => body,
        };
        const headers = { 'content-type': 'application/x-git-upload-pack-advertisement' };
        return Promise.resolve({ url: `${REMOTE}/info/refs?service=git-upload-pack`, method: 'GET', statusCode: 200, statusMessage: 'OK', headers, body });
      },
    };
    const pending = syncGitSource({ repo: REMOTE, cacheDir: await cacheDir(), attempts: 1, timeoutMs: 1_000, http }).catch((e: unknown) => e);
    await requested.reached(1);
    await vi.advanceTimersByTimeAsync(1_000);
    const err = await pending;
    expect(err).toMatchObject({ code: 'GitUnavailable', data: { remote: REMOTE } });
    expect((err as Error).message).toBe(`git fetch ${REMOTE} failed after 1 attempts: no response (timed out)`);
  });
});
