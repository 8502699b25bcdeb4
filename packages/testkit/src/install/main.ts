import { cacheDir } from './cache.js';
import { ensureComponents } from './install.js';
import { ensureChromium } from '../browser/chromium.js';
import { formatDuration } from '../util/text.js';

// `npm run setup`: build whatever pinned component is missing from the cache, and
// install Debian's chromium (the dashboard's browser tests) when it is missing.
const started = Date.now();
const root = cacheDir();
process.stderr.write(`setup: cache ${root} (override with DRIFTLESS_CACHE)\n`);
try {
  await ensureComponents({ root });
  await ensureChromium();
  process.stderr.write(`setup: all components ready in ${formatDuration(Date.now() - started)}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
