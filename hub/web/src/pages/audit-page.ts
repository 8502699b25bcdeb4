import { html } from 'htm/preact';

/** The audit page (to be built). */
export function AuditPage() {
  return html`<p>audit</p>`;
}
