import { html } from 'htm/preact';

/** The overview page (to be built). */
export function OverviewPage() {
  return html`<p>overview</p>`;
}
