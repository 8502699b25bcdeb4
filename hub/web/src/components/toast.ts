import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

/** The window event showToast dispatches; the shell's Toasts shows it. */
const TOAST_EVENT = 'driftless:toast';

/** One notice: a change's result (`ok`) or error. */
export interface Toast {
  readonly text: string;
  readonly kind: 'ok' | 'error';
}

/** How long a toast stays, ms. */
const TOAST_MS = 6_000;

/**
 * Shows `text` in the shell's toast area for a few seconds: what a change
 * did (MutationResult.message) or why it failed. Any page may call it.
 */
export function showToast(text: string, kind: Toast['kind'] = 'ok'): void {
  dispatchEvent(new CustomEvent<Toast>(TOAST_EVENT, { detail: { text, kind } }));
}

/** The toast area, mounted once by the shell. */
export function Toasts() {
  const [toasts, setToasts] = useState<readonly (Toast & { id: number })[]>([]);
  useEffect(() => {
    let next = 0;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const onToast = (e: Event): void => {
      const id = next++;
      setToasts((t) => [...t, { ...(e as CustomEvent<Toast>).detail, id }]);
      const timer = setTimeout(() => {
        timers.delete(timer);
        setToasts((t) => t.filter((x) => x.id !== id));
      }, TOAST_MS);
      timers.add(timer);
    };
    addEventListener(TOAST_EVENT, onToast);
    return () => {
      removeEventListener(TOAST_EVENT, onToast);
      for (const t of timers) clearTimeout(t);
    };
  }, []);
  return html`<div class="toasts" aria-live="polite">
    ${toasts.map((t) => html`<div key=${t.id} class=${`toast ${t.kind}`} role=${t.kind === 'error' ? 'alert' : 'status'}>${t.text}</div>`)}
  </div>`;
}
