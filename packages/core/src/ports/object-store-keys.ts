import { DriftlessError } from '../errors.js';

/**
 * Checks that `key` is a plain relative object key: `/`-separated, no empty,
 * `.` or `..` segment, no leading `/`, no NUL, no segment starting with
 * `.driftless` (reserved for the filesystem store's temporary and lock files).
 * Throws stalled `InvalidStoreConfig` otherwise. Keys that pass cannot escape a
 * store's prefix or directory.
 */
export function assertValidKey(key: string): void {
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.driftless'));
  if (bad) {
    throw new DriftlessError('InvalidStoreConfig', `object key ${JSON.stringify(key)} is not valid: use a relative a/b/c path`, {
      input: key,
      reason: 'not a relative object key',
    });
  }
}

/** Like {@link assertValidKey} for list prefixes, which may be empty or end with `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
