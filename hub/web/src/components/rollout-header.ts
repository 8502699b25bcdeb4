import type { RolloutView, WhoAmI } from '@driftless/hub';
import { html } from 'htm/preact';
import { writeBlocked } from './write-blocked.js';

/** The hub's breached gate(s) of the ring it halted in: the ones a user must read to decide. */
function breachedGates(view: RolloutView): string[] {
  const ring = view.rings.find((r) => r.name === view.halt?.ring);
  return (ring?.gates ?? []).filter((g) => g.state === 'failed').map((g) => `${g.gate}: ${g.reason}`);
}

/**
 * A rollout's header: id, short revision, phase, times; the halt banner
 * (who, when, why; the ring and breached gate when the hub halted it); the
 * freeze notice; and Halt (while Progressing) or Resume (while Halted) on
 * the current rollout.
 */
export function RolloutHeader(props: { view: RolloutView; who: WhoAmI | undefined; onAction: (action: 'halt' | 'resume') => void }) {
  const { view, who } = props;
  const blocked = writeBlocked(who);
  const action = !view.current ? undefined : view.phase === 'Progressing' ? 'halt' : view.phase === 'Halted' ? 'resume' : undefined;
  return html`<div class="rollout-header">
    <h2 style="display:flex;gap:1rem;align-items:center;margin:.4rem 0;font-size:1.2rem">
      <span>rollout <code>${view.id}</code></span>
      <span class="rollout-phase" data-phase=${view.phase}>${view.phase}</span>
      ${action
        ? html`<button class=${action === 'halt' ? 'danger' : 'primary'} disabled=${blocked !== undefined} title=${blocked ?? `${action} the rollout (asks a reason)`} onClick=${() => props.onAction(action)}>
            ${action === 'halt' ? 'Halt' : 'Resume'}
          </button>`
        : null}
    </h2>
    <p class="muted">revision <code title=${view.revision}>${view.revision.slice(0, 12)}</code> · created ${view.createdAt} · updated ${view.updatedAt}
      ${view.supersededBy ? html` · superseded by <code>${view.supersededBy}</code>` : null}</p>
    ${view.halt
      ? html`<div class="halt-banner" role="alert" style="border-left:4px solid var(--failed);background:#fdecea;padding:.5rem .8rem;margin:.5rem 0">
          <strong>Halted</strong> by ${view.halt.actor} at ${view.halt.at} (${view.halt.automatic ? 'automatic' : 'by hand'}${view.halt.ring ? `, ring ${view.halt.ring}` : ''}): ${view.halt.reason}
          ${breachedGates(view).map((g) => html`<div class="breached">breached ${g}</div>`)}
        </div>`
      : null}
    ${view.frozen
      ? html`<div class="freeze-notice" style="border-left:4px solid var(--stale);background:#f3ecfa;padding:.5rem .8rem;margin:.5rem 0">
          Fleet frozen by ${view.frozen.actor} at ${view.frozen.at}: ${view.frozen.reason}. No ring opens until it is unfrozen.
        </div>`
      : null}
  </div>`;
}
