import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { setToken } from '../api.js';

/**
 * The form the shell shows when the API answered 401: the bearer token goes
 * into this tab's sessionStorage (setToken), then `onSignedIn` re-reads.
 */
export function SignIn(props: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const submit = (e: Event): void => {
    e.preventDefault();
    setToken(value.trim());
    props.onSignedIn();
  };
  return html`<form class="sign-in" aria-label="Sign in" onSubmit=${submit}>
    <h2>Sign in</h2>
    <p>The hub needs a token for this (a line of its <code>--tokens</code> file names its user and the token's sha256).</p>
    <label>Token <input type="password" name="token" autocomplete="off" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} /></label>
    <button type="submit" class="primary" disabled=${value.trim() === ''}>Sign in</button>
  </form>`;
}
