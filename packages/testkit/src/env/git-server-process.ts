import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitRequestCounters, type GitRequestKind, type GitServer } from './git-server.js';

/** The options of startGitServer that cross to the server's process (JSON). */
export interface GitProcessOptions {
  readonly root: string;
  readonly port?: number;
  readonly allowPush?: boolean;
  readonly auth?: { readonly username: string; readonly password: string };
}

/** What the parent tells the server's process; `start` comes first and only once. */
export type GitParentMessage = { readonly t: 'start'; readonly opts: GitProcessOptions } | { readonly t: 'sync' } | { readonly t: 'close' };

/** What the server's process tells its parent. */
export type GitProcessMessage =
  | { readonly t: 'listening'; readonly baseUrl: string }
  | { readonly t: 'request'; readonly kind: GitRequestKind; readonly repo?: string }
  | { readonly t: 'synced' };

/** A git server running in a process of its own. */
export interface GitServerProcess extends GitServer {
  /** The server's process id. */
  readonly pid: number;
  /** Resolves once every request the server counted so far is in `requests` (they arrive over IPC, in order). */
  sync(): Promise<void>;
}

/** How long close waits for the server process to stop before killing it, ms. */
const CLOSE_GRACE_MS = 5_000;

/**
 * startGitServer in a child Node process: its HTTP front end (and the
 * http-backend processes it spawns) never shares an event loop with the
 * caller, so a bench driving thousands of simulated clusters does not slow the
 * server it measures, nor the reverse. The request counters are mirrored in
 * this process as the server reports each request; `sync` waits for the
 * reports in flight. The process exits on `close`, or when this process does.
 */
export async function startGitServerProcess(opts: GitProcessOptions): Promise<GitServerProcess> {
  // The options (a password among them) go over the IPC channel, never on argv or in the
  // environment, where `ps` and /proc would show them to anyone on the machine.
  const child = fork(entryPath(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const tell = (m: GitParentMessage, done?: (err: Error | null) => void): boolean => child.send(m, done);
  tell({ t: 'start', opts });
  const { requests, countsFor, count } = gitRequestCounters();
  const synced: (() => void)[] = [];
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      // A process gone mid-run reports nothing more: every sync waiting for it ends now.
      for (const done of synced.splice(0)) done();
      resolve();
    }),
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`git server start failed: its process exited (${signal ?? `code ${String(code)}`}) before listening`)));
    child.on('message', (m: GitProcessMessage) => {
      if (m.t === 'listening') resolve(m.baseUrl);
      else if (m.t === 'synced') synced.shift()?.();
      else count(m.kind, m.repo);
    });
  });
  return {
    baseUrl,
    root: opts.root,
    pid: child.pid ?? 0,
    requests,
    requestsFor: countsFor,
    sync: () =>
      new Promise<void>((resolve) => {
        if (!child.connected) return resolve();
        synced.push(resolve);
        tell({ t: 'sync' }, (err) => {
          if (!err) return;
          synced.splice(synced.indexOf(resolve), 1);
          resolve();
        });
      }),
    async close() {
      if (child.exitCode === null && child.signalCode === null && child.connected) tell({ t: 'close' });
      // A server that does not stop within its grace period is killed, so the caller's close never hangs.
      const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** git-server-main.js beside this module; run from the sources (vitest), the built one in dist. */
function entryPath(): string {
  const built = fileURLToPath(new URL('./git-server-main.js', import.meta.url));
  return existsSync(built) ? built : built.replace(/([\\/])src([\\/]env[\\/])/, '$1dist$2');
}
