import type { ClusterDetail } from '@driftless/hub';
import { html } from 'htm/preact';
import { shortSha } from '../components/fleet-counts.js';
import { relative } from '../components/time.js';
import { usePoll } from '../poll.js';

function Field(props: { label: string; value: unknown; title?: string | undefined }) {
  return html`<dt>${props.label}</dt><dd title=${props.title}>${props.value ?? html`<span class="muted">—</span>`}</dd>`;
}

function Pointer(props: { pointer: NonNullable<ClusterDetail['pointer']> }) {
  const p = props.pointer;
  return html`<section class="card" aria-label="Pointer"><h3>Pointer</h3><dl>
    <${Field} label="Revision" value=${html`<code>${shortSha(p.revision)}</code>`} title=${p.revision} />
    <${Field} label="Generation" value=${p.generation} />
    <${Field} label="Bundle" value=${html`<code>${p.bundle}</code>`} />
    ${p.previews ? html`<${Field} label="Previews bundle" value=${html`<code>${p.previews}</code>`} />` : null}
    <${Field} label="Signed" value=${p.signed ? 'yes' : html`<span class="error">no</span>`} />
    <${Field} label="Published" value=${relative(p.publishedAt)} title=${p.publishedAt} />
    <${Field} label="Expires" value=${p.expiresAt ? relative(p.expiresAt) : 'never'} title=${p.expiresAt} />
  </dl></section>`;
}

function StatusCard(props: { detail: ClusterDetail }) {
  const s = props.detail.status;
  const row = props.detail.row;
  return html`<section class="card" aria-label="Status"><h3>Status</h3><dl>
    <${Field} label="Phase" value=${html`<span class=${`phase phase-${row.phase.toLowerCase()}`} data-phase=${row.phase}>${row.phase}</span>`} />
    <${Field} label="Heartbeat" value=${s ? relative(s.heartbeatAt) : 'never reported'} title=${s?.heartbeatAt} />
    <${Field} label="Agent" value=${s?.agentVersion} />
    <${Field} label="Applied generation" value=${row.appliedGeneration} />
    <${Field} label="Applied bundle" value=${props.detail.appliedBundle ? html`<code>${props.detail.appliedBundle}</code>` : undefined} />
    <${Field} label="Objects" value=${s ? `${s.objects.ready}/${s.objects.total} ready, ${s.objects.drifted} drifted, ${s.objects.pruned} pruned` : undefined} />
    <${Field} label="Ring" value=${row.ring} />
    <${Field} label="Labels" value=${Object.entries(row.labels).map(([k, v]) => html`<span class="chip">${k}=${v}</span>`)} />
  </dl></section>`;
}

function Objects(props: { detail: ClusterDetail }) {
  const { objects, objectsError } = props.detail;
  return html`<section aria-label="Objects"><h3>Objects${objects ? ` (${objects.length})` : ''}</h3>
    ${objectsError ? html`<p class="error">${objectsError}</p>` : null}
    ${!objects && !objectsError ? html`<p class="muted">No desired bundle: the cluster has no pointer.</p>` : null}
    ${objects
      ? html`<table class="objects"><thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>App</th><th>API version</th></tr></thead>
        <tbody>${objects.map((o) => html`<tr><td>${o.kind}</td><td>${o.namespace ?? ''}</td><td>${o.name}</td><td>${o.app ?? ''}</td><td>${o.apiVersion}</td></tr>`)}</tbody></table>`
      : null}
  </section>`;
}

function Apps(props: { apps: ClusterDetail['apps'] }) {
  const apps = Object.entries(props.apps ?? {});
  if (apps.length === 0) return null;
  return html`<section aria-label="Apps"><h3>Apps</h3>
    <table class="apps"><thead><tr><th>App</th><th>Phase</th><th>Ready</th></tr></thead>
    <tbody>${apps.map(([name, a]) => html`<tr><td>${name}</td><td><span class=${`phase phase-${a.phase.toLowerCase()}`}>${a.phase}</span></td><td>${a.ready}/${a.total}</td></tr>`)}</tbody></table>
  </section>`;
}

/** One cluster's detail (`#/cluster/NAME`): pointer, status and applied bundle, last error, objects, apps. */
export function ClusterPage(props: { name: string }) {
  const detail = usePoll<ClusterDetail>(`clusters/${encodeURIComponent(props.name)}`);
  const d = detail.data;
  return html`<section class="cluster" data-cluster=${props.name}>
    <p><a href="#/overview" class="back">← Fleet</a></p>
    <h2>${props.name}</h2>
    ${detail.error ? html`<p class="error" role="alert">Cluster ${props.name} read failed: ${detail.error.message}</p>` : null}
    ${d
      ? html`${d.row.lastError ? html`<p class="error last-error" role="alert"><strong>Last error:</strong> ${d.row.lastError}</p>` : null}
          <div class="cards">${d.pointer ? html`<${Pointer} pointer=${d.pointer} />` : html`<section class="card"><h3>Pointer</h3><p class="muted">No pointer published.</p></section>`}<${StatusCard} detail=${d} /></div>
          <${Apps} apps=${d.apps} />
          <${Objects} detail=${d} />`
      : null}
  </section>`;
}
