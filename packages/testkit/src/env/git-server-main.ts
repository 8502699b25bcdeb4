/**
 * The git server's own process (see startGitServerProcess): reads its options
 * from the parent's first IPC message (never argv: a password there is visible
 * to `ps`), serves, tells the parent its URL and every request it counts over
 * the IPC channel, and exits when the parent says so or goes away.
 */
import { startGitServer, type GitServer } from './git-server.js';
import type { GitParentMessage, GitProcessMessage, GitProcessOptions } from './git-server-process.js';

const send = (m: GitProcessMessage): void => void process.send?.(m);
let server: Promise<GitServer> | undefined;
let closing: Promise<void> | undefined;
const exit = (): void => {
  // Kills the http-backend children still running, then leaves.
  closing ??= (server ? server.then((s) => s.close(), () => undefined) : Promise.resolve()).finally(() => process.exit(0));
};
const start = async (opts: GitProcessOptions): Promise<void> => {
  server = startGitServer({ ...opts, onRequest: (kind, repo) => send({ t: 'request', kind, ...(repo ? { repo } : {}) }) });
  send({ t: 'listening', baseUrl: (await server).baseUrl });
};
process.on('message', (m: GitParentMessage) => {
  if (m.t === 'start' && !server) {
    start(m.opts).catch((err: unknown) => {
      // The parent sees the exit before `listening` and reports it; the cause goes to stderr.
      process.stderr.write(`git server start failed: ${String(err)}\n`);
      process.exit(1);
    });
  }
  else if (m.t === 'sync') send({ t: 'synced' });
  else if (m.t === 'close') exit();
});
// The parent died or closed the channel: nobody is left to count for.
process.on('disconnect', exit);
