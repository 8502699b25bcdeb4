import type { FleetSummary } from '@driftless/hub';
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { FleetCounts, shortSha } from '../components/fleet-counts.js';
import { FleetGrid } from '../components/fleet-grid.js';
import { CLUSTER_PHASES, FLEET_PAINTED_MARK } from '../constants.js';
import { usePoll } from '../poll.js';
import { routeHash } from '../route.js';
import { useRouteQuery } from '../use-route-query.js';

/** The API's fleet filter (api-types.ts FILTER), kept in the address: `#/overview?ring=ring-1`. */
interface Filter {
  readonly selector?: string | undefined;
  readonly ring?: string | undefined;
  readonly phase?: string | undefined;
}

function filterOf(query: string): Filter {
  const q = new URLSearchParams(query);
  return { selector: q.get('selector') ?? undefined, ring: q.get('ring') ?? undefined, phase: q.get('phase') ?? undefined };
}

function fleetPath(f: Filter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v as string);
  const s = q.toString();
  return s ? `fleet?${s}` : 'fleet';
}

/** Marks the first meaningful paint once per page load, after the grid drew (the counts render in the same pass): the bench and the tests wait for it. */
function markPainted(): void {
  if (performance.getEntriesByName(FLEET_PAINTED_MARK).length === 0) performance.mark(FLEET_PAINTED_MARK);
}

function Filters(props: { filter: Filter; summary: FleetSummary | undefined; onChange: (f: Filter) => void }) {
  const [selector, setSelector] = useState(props.filter.selector ?? '');
  useEffect(() => setSelector(props.filter.selector ?? ''), [props.filter.selector]);
  const rings = props.summary?.rings ?? [];
  const labelHint = Object.entries(props.summary?.labels ?? {})
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v[0] ?? ''}`)
    .join(', ');
  return html`<form class="filters" aria-label="Filters" onSubmit=${(e: Event) => (e.preventDefault(), props.onChange({ ...props.filter, selector: selector.trim() }))}>
    <label>Labels <input name="selector" placeholder=${labelHint || 'env=prod,region in (eu)'} value=${selector} onInput=${(e: Event) => setSelector((e.target as HTMLInputElement).value)} /></label>
    <label>Ring <select name="ring" value=${props.filter.ring ?? ''} onChange=${(e: Event) => props.onChange({ ...props.filter, ring: (e.target as HTMLSelectElement).value })}>
      <option value="">any</option>
      ${[...new Set([...rings, ...(props.filter.ring ? [props.filter.ring] : [])])].map((r) => html`<option value=${r}>${r}</option>`)}
    </select></label>
    <label>Phase <select name="phase" value=${props.filter.phase ?? ''} onChange=${(e: Event) => props.onChange({ ...props.filter, phase: (e.target as HTMLSelectElement).value })}>
      <option value="">any</option>
      ${CLUSTER_PHASES.map((p) => html`<option value=${p}>${p}</option>`)}
    </select></label>
    <button type="submit">Apply</button>
    ${props.filter.selector || props.filter.ring || props.filter.phase ? html`<button type="button" onClick=${() => props.onChange({})}>Clear</button>` : null}
  </form>`;
}

/**
 * The fleet overview: counts by phase, revision and ring, filters kept in the
 * address and sent as the API's filter, and every selected cluster on a
 * canvas grid (a click opens its detail). Re-reads the summary every 3 s
 * (If-None-Match: an unchanged fleet is a 304 and no render).
 */
export function OverviewPage() {
  const query = useRouteQuery();
  const filter = useMemo(() => filterOf(query), [query]);
  const fleet = usePoll<FleetSummary>(fleetPath(filter), 3_000);
  const summary = fleet.data;
  const change = (f: Filter): void => {
    location.hash = routeHash('overview', { ...f });
  };
  return html`<section class="overview">
    <${Filters} filter=${filter} summary=${summary} onChange=${change} />
    ${fleet.error ? html`<p class="error" role="alert">Fleet summary read failed: ${fleet.error.message}</p>` : null}
    ${summary?.stale
      ? html`<p class="error stale" role="alert">
          The hub cannot refresh the fleet summary since ${new Date(summary.stale.since).toLocaleTimeString()}: ${summary.stale.error}. What is shown
          was read at ${new Date(summary.refreshedAt).toLocaleTimeString()}.
        </p>`
      : null}
    ${summary
      ? html`<${FleetCounts} summary=${summary} onPhase=${(phase: string) => change({ ...filter, phase })} />
          <${FleetGrid} grid=${summary.grid} onOpen=${(name: string) => (location.hash = `#/cluster/${encodeURIComponent(name)}`)} onPainted=${markPainted} />
          <p class="muted"><span title="The fleet as shown was read then; the hub re-reads the store every few seconds and this page asks it every 3 s">Unchanged since ${new Date(summary.refreshedAt).toLocaleTimeString()}</span>${summary.rollout ? html` · rollout <a href="#/rollout">${summary.rollout.id}</a> ${summary.rollout.phase} (${shortSha(summary.rollout.revision)})` : null}</p>`
      : fleet.error
        ? null
        : html`<p class="muted">Loading the fleet…</p>`}
  </section>`;
}
