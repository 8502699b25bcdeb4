import type { FlagReport, MutationResult, WhoAmI } from '@driftless/hub';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { postJson } from '../api.js';
import { type FlagRow, killVariant, knownVariants, variantsText } from '../components/flag-variants.js';
import { ReasonDialog, type ReasonRequest } from '../components/reason-dialog.js';
import { showToast } from '../components/toast.js';
import { writeBlocked } from '../components/write-blocked.js';
import { usePoll } from '../poll.js';

type Ask = (title: string, confirm: string, path: string, body: Record<string, string>) => void;

function OverrideCell(props: { row: FlagRow }) {
  const o = props.row.override;
  if (!o) return html`<span class="muted">-</span>`;
  return html`<div class="override">
    <strong>${o.variant}</strong> (${o.selector ?? 'every cluster'})${o.divergesFromGit ? html`, <em>diverges from Git</em>` : ', agrees with Git'}
    <br /><small>by ${o.actor} at ${o.at}: ${o.reason}</small>
  </div>`;
}

function Actions(props: { row: FlagRow; blocked: string | undefined; ask: Ask }) {
  const { row, blocked, ask } = props;
  const [variant, setVariant] = useState('');
  const path = `flags/${encodeURIComponent(row.key)}`;
  const off = killVariant(row);
  const title = (what: string): string => blocked ?? what;
  return html`<div class="flag-actions">
    ${row.type === 'kill-switch'
      ? html`<button class="danger" disabled=${blocked !== undefined} title=${title(`sets variant ${off} on every cluster`)}
          onClick=${() => ask(`Kill switch ${row.key}: set ${off} everywhere`, `Set ${off}`, path, { variant: off })}>Kill switch (set ${off})</button>`
      : html`<input list=${`variants-${row.key}`} placeholder="variant" size="8" value=${variant} aria-label=${`variant for ${row.key}`}
            onInput=${(e: Event) => setVariant((e.target as HTMLInputElement).value.trim())} />
          <datalist id=${`variants-${row.key}`}>${knownVariants(row).map((v) => html`<option value=${v}></option>`)}</datalist>
          <button disabled=${blocked !== undefined || variant === ''} title=${title('override the variant on every cluster')}
            onClick=${() => ask(`Set ${row.key} to ${variant}`, `Set ${variant}`, path, { variant })}>Set variant</button>`}
    ${row.override
      ? html`<button disabled=${blocked !== undefined} title=${title("gives every cluster Git's variant back")}
          onClick=${() => ask(`Clear the override of ${row.key}`, 'Clear override', `${path}/clear`, {})}>Clear override</button>`
      : null}
  </div>`;
}

/**
 * The flags page: every flag of the last published revision with its type,
 * owner, expiry, default, variant per ring, active override and health; a
 * kill-switch button on kill switches, a set-variant control on the others,
 * and "Clear override" where one is active, each through a ReasonDialog.
 */
export function FlagsPage() {
  const report = usePoll<FlagReport>('flags');
  const who = usePoll<WhoAmI>('whoami', 30_000);
  const [request, setRequest] = useState<ReasonRequest | undefined>(undefined);
  const blocked = writeBlocked(who.data);
  const ask: Ask = (title, confirm, path, body) =>
    setRequest({
      title,
      confirm,
      run: async (reason) => {
        showToast((await postJson<MutationResult>(path, { ...body, reason })).message);
        report.reload();
      },
    });
  const data = report.data;
  const orphans = Object.entries(data?.orphanOverrides ?? {});
  return html`<div class="flags-page">
    ${report.error ? html`<p class="error" role="alert">flags read failed: ${report.error.message}</p>` : null}
    ${data ? html`<p class="muted">${data.revision ? `revision ${data.revision.slice(0, 12)}, published ${data.publishedAt ?? '?'}` : 'nothing published yet'}</p>` : null}
    ${data && data.flags.length > 0
      ? html`<table class="flags">
          <thead><tr><th>flag</th><th>type</th><th>owner</th><th>age</th><th>expires</th><th>default</th><th>variants per ring</th><th>override</th><th>health</th><th></th></tr></thead>
          <tbody>
            ${data.flags.map(
              (row) => html`<tr data-flag=${row.key}>
                <td><strong>${row.key}</strong></td><td>${row.type}</td><td>${row.owner}</td><td>${row.ageDays}d</td>
                <td>${row.expires ?? '-'}</td><td>${row.defaultVariant ?? '-'}</td><td class="variants">${variantsText(row)}</td>
                <td><${OverrideCell} row=${row} /></td>
                <td class=${`health health-${row.health}`}>${row.health}</td>
                <td><${Actions} row=${row} blocked=${blocked} ask=${ask} /></td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : data
        ? html`<p>No flags in the last published revision.</p>`
        : null}
    ${orphans.length > 0
      ? html`<h3>Overrides of flags no longer in Git</h3>
          <ul>${orphans.map(([key, o]) => html`<li data-orphan=${key}>${key}: ${o.variant} by ${o.actor} at ${o.at}: ${o.reason}
            <button disabled=${blocked !== undefined} title=${blocked ?? 'remove the override'} onClick=${() => ask(`Clear the override of ${key}`, 'Clear override', `flags/${encodeURIComponent(key)}/clear`, {})}>Clear override</button></li>`)}</ul>`
      : null}
    ${request ? html`<${ReasonDialog} request=${request} onClose=${() => setRequest(undefined)} />` : null}
  </div>`;
}
