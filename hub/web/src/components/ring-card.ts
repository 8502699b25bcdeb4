import type { RingView, WhoAmI } from '@driftless/hub';
import { html } from 'htm/preact';
import { CheckChart } from './check-chart.js';
import { checkLineText, formatDuration, thresholdText } from './check-line.js';
import { ClusterStateBar, countsText } from './cluster-state-bar.js';
import { writeBlocked } from './write-blocked.js';

const GATE_COLOUR: Readonly<Record<string, string>> = { passed: 'var(--applied)', failed: 'var(--failed)', pending: 'var(--muted)' };

function Gates(props: { ring: RingView }) {
  const { ring } = props;
  return html`<table class="gates">
    <thead><tr><th>gate</th><th>state</th><th>since</th><th>reason</th></tr></thead>
    <tbody>
      ${ring.gates.map(
        (g) => html`<tr data-gate=${g.gate}>
          <td>${g.gate}</td><td style=${`color:${GATE_COLOUR[g.state] ?? 'inherit'};font-weight:600`}>${g.state}</td><td>${g.since}</td><td>${g.reason}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Checks(props: { ring: RingView }) {
  return html`<div style="display:flex;flex-wrap:wrap;gap:1rem">
    ${props.ring.checks.map(
      (c) => html`<figure class="check" data-check=${c.check} style="margin:0;background:#fff;border:1px solid var(--line);padding:.4rem">
        <figcaption><strong>check ${c.check}</strong> <span class="muted">(${thresholdText(c)}, for ${formatDuration(c.forMs)})</span></figcaption>
        <${CheckChart} check=${c} />
        <div class="check-line" style=${c.state === 'failed' ? 'color:var(--failed)' : ''}>${checkLineText(c)}</div>
      </figure>`,
    )}
  </div>`;
}

/**
 * One ring of a rollout: its phase, waves opened of its waves, its clusters
 * by rollout state, the agents' phases, every gate and check, its approval,
 * and the Approve button while it awaits one on the current rollout.
 */
export function RingCard(props: { ring: RingView; current: boolean; who: WhoAmI | undefined; onApprove: (ring: string) => void }) {
  const { ring, who } = props;
  const blocked = writeBlocked(who);
  const awaiting = props.current && ring.phase === 'AwaitingApproval';
  return html`<section class="ring" data-ring=${ring.name} style="background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;margin:.8rem 0">
    <h3 style="margin:.2rem 0;display:flex;gap:1rem;align-items:center">
      <span>ring ${ring.name}</span>
      <span class="ring-phase" data-phase=${ring.phase}>${ring.phase}</span>
      <small class="waves">waves ${ring.wavesOpened} of ${ring.waves} opened · ${ring.size} clusters</small>
      ${awaiting
        ? html`<button class="primary" disabled=${blocked !== undefined} title=${blocked ?? `approve ring ${ring.name} (asks a reason)`} onClick=${() => props.onApprove(ring.name)}>
            Approve
          </button>`
        : null}
    </h3>
    <${ClusterStateBar} counts=${ring.clusters} total=${ring.size} />
    <div class="agents"><small>agents: ${countsText(ring.agents) || 'none moved yet'}</small></div>
    ${ring.approval ? html`<p class="approval">approved by ${ring.approval.actor} at ${ring.approval.at}: ${ring.approval.reason}</p>` : null}
    ${ring.approvalRequired && !ring.approval ? html`<p class="muted">needs an approval</p>` : null}
    ${ring.gates.length > 0 ? html`<${Gates} ring=${ring} />` : null}
    ${ring.checks.length > 0 ? html`<${Checks} ring=${ring} />` : null}
  </section>`;
}
