import { homedir } from 'node:os';
import { join } from 'node:path';
import { component, type ComponentName } from './components.js';

/**
 * Root of the Driftless cache, outside any repository: `$DRIFTLESS_CACHE`, or
 * `~/.cache/driftless`. Holds built binaries, the Go module and build caches, and
 * build logs; never committed, safe to delete (setup rebuilds it).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['DRIFTLESS_CACHE'];
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'driftless');
}

/** Where the pinned binary of a component lives (it may not exist yet). */
export function binaryPath(name: ComponentName, root: string = cacheDir()): string {
  return join(root, 'bin', `${name}-${component(name).version}`);
}
