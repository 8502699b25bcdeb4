import type { FleetSummary } from '@driftless/hub';
import { html } from 'htm/preact';
import { CLUSTER_PHASES } from '../constants.js';

/** A git commit as the UI shows it. */
export function shortSha(revision: string): string {
  return revision.slice(0, 7);
}

/**
 * The summary's counts: by phase (each a chip in the grid's colour, a click
 * filters by it), by desired revision (short sha) and by ring.
 */
export function FleetCounts(props: { summary: FleetSummary; onPhase: (phase: string) => void }) {
  const s = props.summary;
  return html`<div class="counts">
    <section class="count-group" aria-label="Clusters by phase">
      <h3>${s.total === s.fleetTotal ? `${s.total} clusters` : `${s.total} of ${s.fleetTotal} clusters`}</h3>
      ${CLUSTER_PHASES.map((p) => {
        const count = s.byPhase[p] ?? 0;
        return html`<button class=${`chip phase-${p.toLowerCase()}`} data-phase=${p} data-count=${count} disabled=${count === 0} onClick=${() => props.onPhase(p)}>
          <span class="swatch"></span>${p} <strong>${count}</strong></button>`;
      })}
    </section>
    <section class="count-group" aria-label="Clusters by desired revision">
      <h3>Revisions</h3>
      ${s.byRevision.length === 0 ? html`<span class="muted">none published</span>` : null}
      ${s.byRevision.map((r) => html`<span class="chip" data-revision=${r.revision} title=${r.revision}><code>${shortSha(r.revision)}</code> <strong>${r.clusters}</strong></span>`)}
    </section>
    <section class="count-group" aria-label="Clusters by ring">
      <h3>Rings</h3>
      ${s.byRing.length === 0 ? html`<span class="muted">no rings</span>` : null}
      ${s.byRing.map((r) => html`<span class="chip" data-ring=${r.ring}>${r.ring} <strong>${r.clusters}</strong></span>`)}
    </section>
  </div>`;
}
