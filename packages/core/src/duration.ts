const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration like `30s`, `1m30s`, `500ms`, `2h` or `1d` into ms (Go-style
 * units ms, s, m, h, plus d). Returns undefined for anything else, including a
 * bare number, so callers can say which flag was wrong.
 */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? Number.NaN);
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 && Number.isFinite(total) ? Math.round(total) : undefined;
}

/** `1h`, `30s`, `1m30s`, `250ms`: a duration in ms, as parseDuration reads it. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
