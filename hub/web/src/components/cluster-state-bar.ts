import { html } from 'htm/preact';

/** Rollout states in the order the bar stacks them, with their colours (the dashboard's phase palette). */
const STATES: readonly (readonly [string, string])[] = [
  ['applied', 'var(--applied)'],
  ['unchanged', '#8fcaa6'],
  ['moved', 'var(--progressing)'],
  ['pending', '#c9c9d1'],
  ['excused', 'var(--stale)'],
  ['reverted', 'var(--degraded)'],
  ['refused', '#8a1f19'],
  ['failed', 'var(--failed)'],
];

/** `applied 3 · moved 1 · pending 8`: the non-zero counts in bar order (states the bar does not know last). */
export function countsText(counts: Readonly<Record<string, number | undefined>>): string {
  const known = STATES.map(([s]) => s);
  const order = [...known, ...Object.keys(counts).filter((k) => !known.includes(k)).sort()];
  return order
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${s} ${counts[s]}`)
    .join(' · ');
}

/**
 * A ring's clusters by rollout state as one stacked bar (widths by share of
 * `total`), with the counts in words under it so nothing depends on colour.
 */
export function ClusterStateBar(props: { counts: Readonly<Record<string, number | undefined>>; total: number }) {
  const { counts, total } = props;
  const segments = STATES.filter(([s]) => (counts[s] ?? 0) > 0);
  return html`<div class="cluster-state-bar">
    <div style="display:flex;height:14px;border-radius:3px;overflow:hidden;background:#ececf0;max-width:32rem">
      ${segments.map(
        ([s, colour]) =>
          html`<span data-state=${s} title=${`${s}: ${counts[s]}`} style=${`width:${(100 * (counts[s] ?? 0)) / Math.max(1, total)}%;background:${colour}`}></span>`,
      )}
    </div>
    <small class="counts">${countsText(counts) || 'no clusters'}</small>
  </div>`;
}
