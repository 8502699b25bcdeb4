import type { FlagReport, FlagReportRow } from '@driftless/hub';

/** The `driftless flags` table: one line per flag, then overrides of flags Git no longer has. */
export function renderFlagReport(report: FlagReport): string {
  if (report.revision === undefined) return 'no revision published to this store yet\n';
  const table = [
    ['FLAG', 'TYPE', 'OWNER', 'AGE', 'EXPIRES', 'VARIANTS', 'OVERRIDE', 'HEALTH'],
    ...report.flags.map((f) => [f.key, f.type, f.owner, `${f.ageDays}d`, f.expires ?? 'never', variantsCell(f), overrideCell(f), f.health]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  if (report.flags.length === 0) lines.push(`revision ${report.revision.slice(0, 12)} has no flags`);
  for (const [key, o] of Object.entries(report.orphanOverrides)) {
    lines.push(`override of ${key} (${o.variant} by ${o.actor}) names a flag the last revision does not have: clear it with driftless flag clear ${key}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `ring-0=on ring-1=off,on`: the variants each ring's clusters get from Git. */
function variantsCell(f: FlagReportRow): string {
  const cells = Object.entries(f.variantsByRing).map(([ring, vs]) => `${ring}=${vs.join(',')}`);
  return cells.length === 0 ? '-' : cells.join(' ');
}

/** `off by alice (region=us), diverges from Git`, or `-` without an active override. */
function overrideCell(f: FlagReportRow): string {
  const o = f.override;
  if (!o) return '-';
  return `${o.variant} by ${o.actor} (${o.selector ?? 'every cluster'})${o.divergesFromGit ? ', diverges from Git' : ''}`;
}
