import { readFileSync } from 'node:fs';

/** `1m05s`, `42s`, `850ms`: a duration in ms, for progress lines. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The last `lines` lines of a log file, indented, for error messages; an
 * explanatory line instead when the file cannot be read.
 */
export function tailOfFile(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    const tail = text.split('\n').slice(-lines);
    return tail.map((l) => `    | ${l}`).join('\n');
  } catch (err) {
    return `    (no log: ${(err as Error).message})`;
  }
}
