import type { PreviewListing, PreviewRow } from '@driftless/hub';

/** More host names than this show as a count. */
const MAX_HOST_NAMES = 3;

/**
 * The `driftless previews` table, ages and expiries relative to `now` (ms),
 * then one line per problem. `no previews` when there are none.
 */
export function renderPreviews(listing: PreviewListing, now: number): string {
  const lines: string[] = [];
  if (listing.previews.length === 0) lines.push('no previews');
  else {
    const table = [
      ['BRANCH', 'COMMIT', 'HOSTS', 'NAMESPACE', 'PHASE', 'AGE', 'EXPIRES'],
      ...listing.previews.map((p) => [
        p.branch,
        p.commit.slice(0, 12),
        hostsCell(p),
        p.namespace,
        phaseCell(p),
        roughDuration(now - Date.parse(p.createdAt)),
        expiresCell(Date.parse(p.expiresAt) - now),
      ]),
    ];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
    lines.push(...table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()));
    for (const p of listing.previews) if (p.error !== undefined) lines.push(`${p.branch} ${p.commit.slice(0, 12)}: ${p.error}`);
  }
  lines.push(...listing.problems);
  return `${lines.join('\n')}\n`;
}

function hostsCell(p: PreviewRow): string {
  return p.hosts.length <= MAX_HOST_NAMES ? p.hosts.map((h) => h.cluster).join(',') || '-' : String(p.hosts.length);
}

/** `Failed (build)` when nothing was ever built; `Applied (newest commit failed)` when an older build runs. */
function phaseCell(p: PreviewRow): string {
  if (p.phase === 'Failed' && !p.built) return 'Failed (build)';
  return p.error !== undefined ? `${p.phase} (newest commit failed)` : p.phase;
}

function expiresCell(ms: number): string {
  // Rounded, not floored: a preview just pushed with `ttl: 72h` expires `in 3d`, not `in 2d`.
  return ms <= 0 ? 'at next cycle' : `in ${roughDuration(ms, Math.round)}`;
}

/** A duration in its largest whole unit (`45s`, `12m`, `5h`, `3d`), floored unless `round` says otherwise; hours up to two days, as ttls are written. */
export function roughDuration(ms: number, round: (x: number) => number = Math.floor): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${round(s / 60)}m`;
  if (s < 48 * 3600) return `${round(s / 3600)}h`;
  return `${round(s / 86_400)}d`;
}
