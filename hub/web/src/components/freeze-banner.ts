import type { ControlState, MutationResult } from '@driftless/hub';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { postJson } from '../api.js';
import { usePoll } from '../poll.js';
import { ReasonDialog, type ReasonRequest } from './reason-dialog.js';
import { showToast } from './toast.js';

/**
 * The fleet's freeze, from GET /control (a few hundred bytes, not the fleet summary): while frozen a banner says who
 * froze it, when and why, with Unfreeze; otherwise a Freeze button. Both ask
 * a reason (ReasonDialog) and are disabled without `canWrite`.
 */
export function FreezeBanner(props: { canWrite: boolean }) {
  const control = usePoll<ControlState>('control');
  const [request, setRequest] = useState<ReasonRequest | undefined>(undefined);
  const frozen = control.data?.frozen;
  const ask = (action: 'freeze' | 'unfreeze'): void =>
    setRequest({
      title: action === 'freeze' ? 'Freeze the fleet' : 'Unfreeze the fleet',
      confirm: action === 'freeze' ? 'Freeze' : 'Unfreeze',
      run: async (reason) => {
        const result = await postJson<MutationResult>(action, { reason });
        showToast(result.message);
        control.reload();
      },
    });
  const title = props.canWrite ? undefined : 'Sign in with a token that may write';
  const dialog = request ? html`<${ReasonDialog} request=${request} onClose=${() => setRequest(undefined)} />` : null;
  if (!control.data) return dialog;
  if (!frozen) {
    return html`<div class="freeze-bar">
      <button class="danger" onClick=${() => ask('freeze')} disabled=${!props.canWrite} title=${title}>Freeze fleet</button>${dialog}
    </div>`;
  }
  return html`<div class="freeze-banner" role="status" data-frozen="true">
    <span><strong>Fleet frozen</strong> by ${frozen.actor} at ${new Date(frozen.at).toLocaleString()}: ${frozen.reason}. No wave opens until it is unfrozen.</span>
    <button onClick=${() => ask('unfreeze')} disabled=${!props.canWrite} title=${title}>Unfreeze</button>${dialog}
  </div>`;
}
