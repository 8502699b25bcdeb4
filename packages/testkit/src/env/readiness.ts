import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { ManagedProcess } from './managed-process.js';

/** Status code of a GET to `url` (with an optional CA and headers), or undefined when it cannot connect. */
export async function probe(
  url: string,
  opts: { ca?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<number | undefined> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return await new Promise<number | undefined>((resolve) => {
    const req = request(
      u,
      { method: 'GET', headers: opts.headers, ...(opts.ca ? { ca: opts.ca } : {}), timeout: opts.timeoutMs ?? 2_000 },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Polls `ready` until it returns true, the process exits (then fails with its log
 * tail), or `timeoutMs` passes (default 90 000). The pause between polls grows
 * from 50 ms to 1 s; it is a poll of a condition, never a guess at how long
 * startup takes.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  ready: () => Promise<boolean>,
  what: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = 50;
  let exitCode: number | null | 'running' = 'running';
  void proc.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== 'running') throw proc.failure(`exited (code ${String(exitCode)}) before ${what}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw proc.failure(`not ${what} after ${timeoutMs / 1000}s`);
    await Promise.race([new Promise((r) => setTimeout(r, pause).unref()), proc.exited]);
    pause = Math.min(pause * 2, 1_000);
  }
}
