import type { RolloutStatusDocument } from '@driftless/hub';
import { renderCheckLine } from './rollout-checks.js';

export { movedClusters, rolloutStatusDocument, type AgentPhaseCount, type RingStatus, type RolloutStatusDocument } from '@driftless/hub';

/** `applied 2, moved 1`, or `-` when empty. */
function counts(c: Readonly<Record<string, number | undefined>>): string {
  const parts = Object.entries(c).flatMap(([k, n]) => (n ? [`${k} ${n}`] : []));
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** The human form: a header, then a table with one row per ring, each followed by its gates and approval. */
export function renderRolloutStatus(doc: RolloutStatusDocument): string {
  const lines = [`rollout ${doc.id} (revision ${doc.revision.slice(0, 12)}): ${doc.phase}`, `created ${doc.createdAt}, updated ${doc.updatedAt}`];
  if (doc.supersededBy) lines.push(`superseded by rollout ${doc.supersededBy}`);
  if (doc.frozen) lines.push(`frozen by ${doc.frozen.actor} at ${doc.frozen.at}: ${doc.frozen.reason} (no pointer moves; driftless unfreeze --reason … to continue)`);
  if (doc.halt) {
    const how = [doc.halt.automatic ? 'automatic' : 'by hand', ...(doc.halt.ring ? [`ring ${doc.halt.ring}`] : [])].join(', ');
    lines.push(`halted by ${doc.halt.actor} at ${doc.halt.at} (${how}): ${doc.halt.reason} (driftless rollout resume --reason … to continue)`);
  }
  const rows = [['RING', 'PHASE', 'WAVES', 'ROLLOUT', 'AGENTS'], ...doc.rings.map((r) => [r.name, r.phase, String(r.wavesOpened), counts(r.clusters), counts(r.agents)])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const row = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(row(rows[0] ?? []));
  doc.rings.forEach((r, i) => {
    lines.push(row(rows[i + 1] ?? []));
    for (const g of r.gates) lines.push(`  gate ${g.gate}: ${g.state} since ${g.since}: ${g.reason}`);
    for (const c of r.checks) lines.push(renderCheckLine(c));
    if (r.approval) lines.push(`  approved by ${r.approval.actor} at ${r.approval.at}: ${r.approval.reason}`);
  });
  return `${lines.join('\n')}\n`;
}
