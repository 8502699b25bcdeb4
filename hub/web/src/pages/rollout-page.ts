import type { MutationResult, RolloutList, RolloutView, WhoAmI } from '@driftless/hub';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiCallError, postJson } from '../api.js';
import { ReasonDialog, type ReasonRequest } from '../components/reason-dialog.js';
import { RingCard } from '../components/ring-card.js';
import { RolloutHeader } from '../components/rollout-header.js';
import { usePoll } from '../poll.js';

/**
 * The rollout page: the current rollout (or an older one picked in the
 * selector) as header, halt and freeze notices, and one card per ring; the
 * Approve, Halt and Resume buttons act on the current rollout only, each
 * through a ReasonDialog, and the page reads again after a change. Each
 * command names the rollout shown when its button was clicked, so one that
 * a newer release superseded while the reason was typed is refused (409
 * RolloutSuperseded), not applied to the newer one.
 */
export function RolloutPage() {
  const [picked, setPicked] = useState<string>('current');
  const [request, setRequest] = useState<ReasonRequest | undefined>(undefined);
  const [toast, setToast] = useState<string | undefined>(undefined);
  const view = usePoll<RolloutView>(`rollouts/${encodeURIComponent(picked)}`);
  const list = usePoll<RolloutList>('rollouts', 15_000);
  const who = usePoll<WhoAmI>('whoami', 30_000);
  const ask = (title: string, confirm: string, path: string, body: Record<string, string>): void =>
    setRequest({
      title,
      confirm,
      run: async (reason) => {
        const done = await postJson<MutationResult>(path, { ...body, reason });
        setToast(done.message);
        view.reload();
        list.reload();
      },
    });
  const missing = view.error instanceof ApiCallError && view.error.status === 404;
  return html`<div class="rollout-page">
    <label>Rollout
      <select value=${picked} onChange=${(e: Event) => setPicked((e.target as HTMLSelectElement).value)}>
        <option value="current">current${list.data?.current ? ` (${list.data.current})` : ''}</option>
        ${(list.data?.items ?? []).map((r) => html`<option value=${r.id}>${r.id} · ${r.revision.slice(0, 12)} · ${r.phase} · ${r.createdAt}</option>`)}
      </select>
    </label>
    ${toast ? html`<p class="toast" role="status">${toast}</p>` : null}
    ${missing ? html`<p>No rollout${picked === 'current' ? ' is current' : ` ${picked}`}: publish a revision with spec.delivery to start one.</p>` : null}
    ${view.error && !missing ? html`<p class="error" role="alert">rollout read failed: ${view.error.message}</p>` : null}
    ${view.data && !missing
      ? html`<${RolloutHeader}
            view=${view.data}
            who=${who.data}
            onAction=${(a: 'halt' | 'resume') => ask(a === 'halt' ? 'Halt the rollout' : 'Resume the rollout', a === 'halt' ? 'Halt' : 'Resume', `rollouts/current/${a}`, { rollout: view.data?.id ?? '' })}
          />
          ${view.data.rings.map(
            (r) => html`<${RingCard}
              ring=${r}
              current=${view.data?.current ?? false}
              who=${who.data}
              onApprove=${(ring: string) => ask(`Approve ring ${ring}`, 'Approve', 'rollouts/current/approve', { ring, rollout: view.data?.id ?? '' })}
            />`,
          )}`
      : null}
    ${request ? html`<${ReasonDialog} request=${request} onClose=${() => setRequest(undefined)} />` : null}
  </div>`;
}
