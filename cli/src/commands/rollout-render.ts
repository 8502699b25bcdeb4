import type { AuditDraft } from '@driftless/core';
import type { StepReport } from '@driftless/hub';

/** One wave a step opened, from its `wave.opened` audit entry. */
export interface OpenedWave {
  readonly ring: string;
  readonly wave: number;
  readonly clusters: number;
}

/** A ring's phase change a step made, from its `ring.phase` audit entry. */
export interface RingPhaseChange {
  readonly ring: string;
  readonly from: string;
  readonly to: string;
}

/** What the audit entries of one or more steps say they did, in the order they were appended. */
export interface StepEvents {
  readonly wavesOpened: OpenedWave[];
  readonly ringPhases: RingPhaseChange[];
}

/** Empty events, to collect into. */
export function noStepEvents(): StepEvents {
  return { wavesOpened: [], ringPhases: [] };
}

/** Adds the waves opened and ring phase changes among `drafts` to `into` (other entries say nothing a step report lacks). */
export function collectStepEvents(into: StepEvents, drafts: readonly AuditDraft[]): void {
  for (const d of drafts) {
    if (d.action === 'wave.opened') into.wavesOpened.push({ ring: String(d.data['ring']), wave: Number(d.data['wave']), clusters: Number(d.data['clusters']) });
    if (d.action === 'ring.phase') into.ringPhases.push({ ring: String(d.data['ring']), from: String(d.data['from']), to: String(d.data['to']) });
  }
}

/** Each ring's phases in order (`Progressing`, `Soaking`, `Succeeded`): one step may pass several, which read as one line. */
function phaseChains(changes: readonly RingPhaseChange[]): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const c of changes) {
    const chain = chains.get(c.ring);
    if (chain === undefined) chains.set(c.ring, [c.from, c.to]);
    else chain.push(c.to);
  }
  return chains;
}

/**
 * What a step did, in lines: the rollout's phase, each ring that changed
 * phase (`ring ring-0: Progressing -> Soaking`, several changes of one
 * ring on one line), the waves opened, pointers
 * moved, the halt, the freeze; `nothing to do` when it changed nothing.
 */
export function describeStep(report: StepReport, events: StepEvents): string {
  if (report.rollout === undefined) return 'no rollout in this store\n';
  const lines = [`rollout ${report.rollout}: ${report.phase ?? 'unknown'}`];
  for (const [ring, phases] of phaseChains(events.ringPhases)) lines.push(`ring ${ring}: ${phases.join(' -> ')}`);
  for (const w of events.wavesOpened) lines.push(`opened wave ${w.wave} of ring ${w.ring}: ${w.clusters} clusters`);
  if (report.moved > 0) lines.push(`moved ${report.moved} pointers`);
  if (report.reverted > 0) lines.push(`reverted ${report.reverted} pointers to their last good bundle`);
  if (report.halted) {
    const ring = report.halted.ring ? ` (ring ${report.halted.ring})` : '';
    lines.push(`halted by ${report.halted.actor}${ring}: ${report.halted.reason}; no pointer moves until driftless rollout resume --reason …`);
  }
  if (report.frozen) lines.push(`frozen by ${report.frozen.actor} (${report.frozen.reason}): no pointer moved; driftless unfreeze --reason … to continue`);
  const quiet = report.moved === 0 && report.reverted === 0 && !report.halted && !report.frozen;
  if (quiet && !report.changed) lines.push('nothing to do: waiting for agents, soak or approval');
  // Verdicts recorded without a phase change still changed the rollout: say so rather than nothing.
  else if (quiet && lines.length === 1) lines.push('recorded agents\' verdicts; no ring changed phase');
  return `${lines.join('\n')}\n`;
}
