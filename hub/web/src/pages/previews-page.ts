import type { PreviewListing } from '@driftless/hub';
import { html } from 'htm/preact';
import { shortSha } from '../components/fleet-counts.js';
import { relative } from '../components/time.js';
import { usePoll } from '../poll.js';

type Row = PreviewListing['previews'][number];

function PreviewRow(props: { row: Row }) {
  const p = props.row;
  return html`<tr data-branch=${p.branch}>
    <td>${p.branch}</td>
    <td><code title=${p.commit}>${shortSha(p.commit)}</code></td>
    <td>${p.hosts.length === 0 ? html`<span class="muted">none</span>` : p.hosts.map((h) => html`<span class=${`chip phase-${h.phase.toLowerCase()}`} title=${h.phase}><span class="swatch"></span>${h.cluster}</span>`)}</td>
    <td><code>${p.namespace}</code></td>
    <td><span class=${`phase phase-${p.phase.toLowerCase()}`}>${p.phase}</span>${p.error ? html`<div class="error">${p.error}</div>` : null}</td>
    <td title=${p.createdAt}>${relative(p.createdAt)}</td>
    <td title=${p.expiresAt}>${relative(p.expiresAt)}</td>
  </tr>`;
}

/** The preview environments (`driftless preview list`): branch, commit, hosts, namespace, phase, age, expiry, errors. */
export function PreviewsPage() {
  const listing = usePoll<PreviewListing>('previews');
  const data = listing.data;
  return html`<section class="previews">
    <h2>Previews</h2>
    ${listing.error ? html`<p class="error" role="alert">Previews read failed: ${listing.error.message}</p>` : null}
    ${data?.problems.map((p) => html`<p class="error problem">${p}</p>`)}
    ${data
      ? data.previews.length === 0
        ? html`<p class="muted">No preview environments.</p>`
        : html`<table class="previews-table"><thead><tr><th>Branch</th><th>Commit</th><th>Hosts</th><th>Namespace</th><th>Phase</th><th>Age</th><th>Expires</th></tr></thead>
          <tbody>${data.previews.map((p) => html`<${PreviewRow} key=${p.branch} row=${p} />`)}</tbody></table>`
      : null}
  </section>`;
}
