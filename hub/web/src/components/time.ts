/** `ms` as a short duration: `45 s`, `12 min`, `3 h`, `2 d`. */
export function shortDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** How long ago `iso` was (`12 min ago`), or how far ahead (`in 3 h`), from the browser's clock. */
export function relative(iso: string, now = Date.now()): string {
  const diff = now - Date.parse(iso);
  if (Number.isNaN(diff)) return iso;
  return diff >= 0 ? `${shortDuration(diff)} ago` : `in ${shortDuration(diff)}`;
}
