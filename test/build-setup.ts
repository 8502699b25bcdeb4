import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Vitest global setup: bring every workspace's dist/ up to date first (an
 * incremental `tsc -b`, about a second when nothing changed). A few tests run
 * built code in child processes, as users do (`driftless dev up`, writers racing
 * from other processes); they must never run a stale build.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit' });
}
