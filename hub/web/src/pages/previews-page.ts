import { html } from 'htm/preact';

/** The previews page (to be built). */
export function PreviewsPage() {
  return html`<p>previews</p>`;
}
