import { html } from 'htm/preact';

/** The rollout page (to be built). */
export function RolloutPage() {
  return html`<p>rollout</p>`;
}
