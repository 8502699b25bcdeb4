/**
 * The git server's own process (see startGitServerProcess): reads its options
 * from argv[2] (JSON), serves, tells the parent its URL and every request it
 * counts over the IPC channel, and exits when the parent says so or goes away.
 */
import { startGitServer } from './git-server.js';
import type { GitProcessMessage, GitProcessOptions } from './git-server-process.js';

const send = (m: GitProcessMessage): void => void process.send?.(m);
const opts = JSON.parse(process.argv[2] ?? '{}') as GitProcessOptions;
const server = await startGitServer({ ...opts, onRequest: (kind, repo) => send({ t: 'request', kind, ...(repo ? { repo } : {}) }) });
let closing: Promise<void> | undefined;
const exit = (): void => {
  // Kills the http-backend children still running, then leaves.
  closing ??= server.close().finally(() => process.exit(0));
};
process.on('message', (m: { t?: string }) => {
  if (m.t === 'sync') send({ t: 'synced' });
  else if (m.t === 'close') exit();
});
// The parent died or closed the channel: nobody is left to count for.
process.on('disconnect', exit);
send({ t: 'listening', baseUrl: server.baseUrl });
