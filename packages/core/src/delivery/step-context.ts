import type { AuditAction } from '../audit/audit-entry.js';
import type { AuditDraft } from './machine-types.js';
import type { ActionRecord, GateState, PointerMove, RingState, Rollout } from './rollout-document.js';

/**
 * What one transition is building: a private copy of the rollout it may
 * change in place, and the moves and audit drafts it decided. Only the
 * machine's own files use it; callers see a Transition.
 */
export interface StepContext {
  readonly draft: Rollout;
  readonly moves: PointerMove[];
  readonly audit: AuditDraft[];
  /** The step's `now` as the ISO timestamp written into the document. */
  readonly at: string;
  readonly nowMs: number;
  /** While the fleet is frozen (no pointer moves at all): `frozen by <actor>: <reason>`, what held gates say. */
  readonly frozen?: string;
}

/** The actor of the machine's own decisions (gates, waves, automatic halts). */
export const HUB_ACTOR = 'hub';

/** A fresh context over a deep copy of `state`, so the caller's object is never touched; `freeze` the fleet's freeze, if any. */
export function newContext(state: Rollout, nowMs: number, freeze: ActionRecord | undefined): StepContext {
  const at = new Date(nowMs).toISOString();
  const base = { draft: structuredClone(state), moves: [], audit: [], at, nowMs };
  return freeze === undefined ? base : { ...base, frozen: `frozen by ${freeze.actor}: ${freeze.reason}` };
}

/** `rollout/<id>`, or `rollout/<id>/ring/<name>` for one ring. */
export function subjectOf(rollout: Rollout, ring?: string): string {
  return ring === undefined ? `rollout/${rollout.id}` : `rollout/${rollout.id}/ring/${ring}`;
}

/** Appends an audit draft; `reason` only when there is one (exactOptionalPropertyTypes). */
export function audit(
  ctx: StepContext,
  entry: { action: AuditAction; subject: string; data: Record<string, unknown>; reason?: string; actor?: string },
): void {
  const base = { actor: entry.actor ?? HUB_ACTOR, action: entry.action, subject: entry.subject, data: entry.data };
  ctx.audit.push(entry.reason === undefined ? base : { ...base, reason: entry.reason });
}

/**
 * Sets one gate of a ring. `since` moves only when the state changes, so a
 * gate re-evaluated with the same verdict leaves the document as it was.
 */
export function setGate(ring: RingState, gate: string, state: GateState['state'], reason: string, at: string): void {
  const found = ring.gates.find((g) => g.gate === gate);
  if (found === undefined) {
    ring.gates.push({ gate, state, reason, since: at });
    return;
  }
  if (found.state !== state) {
    found.state = state;
    found.since = at;
  }
  found.reason = reason;
}

/** Changes a ring's phase and audits it (`ring.phase`, from and to, plus `extra` data); no-op when it already has it. */
export function setRingPhase(ctx: StepContext, ring: RingState, phase: RingState['phase'], reason: string, actor?: string, extra: Record<string, unknown> = {}): void {
  if (ring.phase === phase) return;
  const from = ring.phase;
  ring.phase = phase;
  const entry = { action: 'ring.phase' as const, subject: subjectOf(ctx.draft, ring.name), data: { ...extra, ring: ring.name, from, to: phase }, reason };
  audit(ctx, actor === undefined ? entry : { ...entry, actor });
}
