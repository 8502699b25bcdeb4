import { resolveAmount, soakOf, summarizeRollout, type RingSummary, type Rollout } from '@driftless/core';
import { checkStatuses, renderCheckLine } from '../commands/rollout-checks.js';

/** One live line of the demo: `text` as shown; `key` is what, when it changes, is worth printing at once where lines cannot be redrawn (a log). */
export interface StatusLine {
  readonly text: string;
  readonly key: string;
}

/** Wide enough for the longest phase, AwaitingApproval, so the columns line up. */
const PHASE_WIDTH = 16;

/**
 * One line per ring of `rollout` as `now` (ms) sees it: its phase, how many
 * of its clusters applied the release, what it waits for and its metric
 * checks as `rollout status` shows them
 * (`ring-0  Soaking           2/2 applied  soaking 3s/10s  check error-rate 0.01 (c-00000) within max 0.02`).
 * Its key is the ring's phase. Pure.
 */
export function ringLines(rollout: Rollout, now: number): StatusLine[] {
  const summaries = summarizeRollout(rollout);
  const nameWidth = Math.max(...summaries.map((s) => s.ring.length));
  return summaries.map((s, i) => {
    const moving = s.total - s.counts.unchanged - s.counts.refused;
    const failed = s.counts.failed > 0 ? `, ${s.counts.failed} failed` : '';
    const detail = ringDetail(rollout, i, s, moving, now);
    // The same words as `driftless rollout status`, on one line.
    const checks = checkStatuses(rollout, i, s.checks).map((c) => `  ${renderCheckLine(c).trim().replace(/ {2,}/g, ' ')}`);
    const text = `${s.ring.padEnd(nameWidth)}  ${s.phase.padEnd(PHASE_WIDTH)}  ${s.counts.applied}/${moving} applied${failed}${detail ? `  ${detail}` : ''}${checks.join('')}`;
    return { text, key: s.phase };
  });
}

/** What a ring does or waits for, in a few words. */
function ringDetail(rollout: Rollout, i: number, s: RingSummary, moving: number, now: number): string {
  const ring = rollout.rings[i];
  const plan = rollout.plan.rings[i];
  if (!ring || !plan) return '';
  const frozen = s.gates.find((g) => g.reason.startsWith('frozen'));
  switch (s.phase) {
    case 'Pending':
      if (frozen) return frozen.reason;
      return i > 0 ? `waits for ${rollout.plan.rings[i - 1]?.name ?? 'the ring before'}` : '';
    case 'AwaitingApproval':
      return 'awaits approval';
    case 'Progressing': {
      const waves = moving === 0 ? 0 : Math.ceil(moving / resolveAmount(plan.maxConcurrent, moving, true));
      return `wave ${ring.wavesOpened}/${waves}`;
    }
    case 'Soaking': {
      const since = ring.soakingSince ? Date.parse(ring.soakingSince) : now;
      const secs = (ms: number): number => Math.floor(Math.max(0, ms) / 1000);
      const soakMs = soakOf(rollout.plan, i);
      return `soaking ${Math.min(secs(now - since), secs(soakMs))}s/${secs(soakMs)}s`;
    }
    case 'Succeeded':
      if (moving === 0) return 'nothing to move';
      return soakOf(rollout.plan, i) > 0 ? 'soak done' : 'done';
    case 'Failed':
      return s.gates.find((g) => g.state === 'failed')?.reason ?? '';
  }
}
