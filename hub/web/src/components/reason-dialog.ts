import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

/** What a ReasonDialog asks: its title, the confirm button's label, and what to do with the reason. */
export interface ReasonRequest {
  readonly title: string;
  readonly confirm: string;
  /** Runs the change with the reason given; a rejection is shown in the dialog, which stays open. */
  readonly run: (reason: string) => Promise<void>;
}

/**
 * A modal that asks why before any change (every POST takes a `reason`,
 * recorded in the audit log). Confirm is disabled while the reason is empty
 * and while the call runs; `onClose` is called after success or cancel.
 */
export function ReasonDialog(props: { request: ReasonRequest; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.request.run(reason.trim());
      props.onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="modal-backdrop">
    <form class="modal" role="dialog" aria-label=${props.request.title} onSubmit=${submit}>
      <h3>${props.request.title}</h3>
      <label>Reason (recorded in the audit log)
        <textarea name="reason" rows="3" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLTextAreaElement).value)} autofocus></textarea>
      </label>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="modal-buttons">
        <button type="button" onClick=${props.onClose} disabled=${busy}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy || reason.trim() === ''}>${props.request.confirm}</button>
      </div>
    </form>
  </div>`;
}
