import type { AuditPage as AuditAnswer } from '@driftless/hub';
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { download } from '../api.js';
import { showToast } from '../components/toast.js';
import { usePoll } from '../poll.js';
import { routeHash } from '../route.js';
import { useRouteQuery } from '../use-route-query.js';

const FIELDS = ['actor', 'action', 'subject', 'since'] as const;
type Filter = Partial<Record<(typeof FIELDS)[number], string>>;

function filterOf(query: string): Filter {
  const q = new URLSearchParams(query);
  return Object.fromEntries(FIELDS.flatMap((f) => (q.get(f) ? [[f, q.get(f)]] : [])));
}

function auditQuery(f: Filter): string {
  const q = new URLSearchParams();
  for (const k of FIELDS) if (f[k]) q.set(k, f[k]);
  return q.toString();
}

function FilterForm(props: { filter: Filter; onChange: (f: Filter) => void }) {
  const [draft, setDraft] = useState<Filter>(props.filter);
  useEffect(() => setDraft(props.filter), [props.filter]);
  const field = (name: (typeof FIELDS)[number], label: string, placeholder: string) =>
    html`<label>${label} <input name=${name} placeholder=${placeholder} value=${draft[name] ?? ''} onInput=${(e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value.trim() })} /></label>`;
  return html`<form class="filters" aria-label="Audit filters" onSubmit=${(e: Event) => (e.preventDefault(), props.onChange(draft))}>
    ${field('actor', 'Actor', 'alice')} ${field('action', 'Action', 'rollout.approved')} ${field('subject', 'Subject', 'contains…')}
    ${field('since', 'Since', '2026-01-31T00:00:00Z')}
    <button type="submit">Apply</button>
  </form>`;
}

/**
 * The audit log, newest first, filtered by actor, action, subject and since
 * (kept in the address, with `before`, the API's cursor, when the reader went
 * on to older entries); re-read every 30 s, as each read may examine
 * thousands of entries. Export saves the matching entries as JSON lines.
 */
export function AuditPage() {
  const routeQuery = useRouteQuery();
  const filter = useMemo(() => filterOf(routeQuery), [routeQuery]);
  const before = new URLSearchParams(routeQuery).get('before') ?? undefined;
  const query = auditQuery(filter);
  const readQuery = [query, before ? `before=${encodeURIComponent(before)}` : ''].filter(Boolean).join('&');
  const page = usePoll<AuditAnswer>(readQuery ? `audit?${readQuery}` : 'audit', 30_000);
  const older = page.data?.before;
  const exportAll = (): void => {
    download(query ? `audit/export?${query}` : 'audit/export', 'driftless-audit.jsonl').catch((err: Error) => showToast(`Audit export failed: ${err.message}`, 'error'));
  };
  return html`<section class="audit">
    <h2>Audit log</h2>
    <div class="toolbar"><${FilterForm} filter=${filter} onChange=${(f: Filter) => (location.hash = routeHash('audit', f))} />
      <button onClick=${exportAll}>Export</button></div>
    ${page.error ? html`<p class="error" role="alert">Audit log read failed: ${page.error.message}</p>` : null}
    ${page.data
      ? html`<table class="audit-table"><thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Subject</th><th>Reason</th></tr></thead>
          <tbody>${page.data.entries.map((e) => html`<tr key=${e.seq} data-seq=${e.seq}><td>${e.seq}</td><td title=${e.at}>${new Date(e.at).toLocaleString()}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.subject}</td><td>${e.reason ?? ''}</td></tr>`)}</tbody></table>
        ${page.data.entries.length === 0 ? html`<p class="muted">No entries match.</p>` : null}
        ${page.data.truncated
          ? html`<p class="muted">Older entries are left out: ${older !== undefined ? html`<a href=${routeHash('audit', { ...filter, before: String(older) })}>show older</a>, ` : null}narrow the filter, or export.</p>`
          : null}
        ${before ? html`<p><a href=${routeHash('audit', filter)}>Back to the newest</a></p>` : null}`
      : null}
  </section>`;
}
