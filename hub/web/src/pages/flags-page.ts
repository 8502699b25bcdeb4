import { html } from 'htm/preact';

/** The flags page (to be built). */
export function FlagsPage() {
  return html`<p>flags</p>`;
}
