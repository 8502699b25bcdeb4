import { resolveAmount, type Freeze, type ObservedStatus, type Rollout } from '@driftless/core';
import { rolloutStatusDocument } from '../rollout/rollout-status-document.js';
import { summarizeRolloutWithFreeze } from '../rollout/rollout-summary.js';
import type { CheckView, RingView, RolloutView } from './api-types.js';

/**
 * GET /rollouts/current's and /rollouts/ID's answer (pure): the rollout
 * status document (`driftless rollout status --json`) with, per ring, its
 * size, its number of waves, whether it needs an approval, and each check's
 * recent history for its chart.
 */
export function rolloutViewOf(rollout: Rollout, freeze: Freeze | undefined, statuses: ReadonlyMap<string, ObservedStatus>, current: boolean): RolloutView {
  const doc = rolloutStatusDocument(rollout, summarizeRolloutWithFreeze(rollout, freeze), statuses);
  const sizes = rollout.rings.map(() => ({ all: 0, gated: 0 }));
  for (const c of Object.values(rollout.clusters)) {
    const size = sizes[c.ring];
    if (!size) continue;
    size.all += 1;
    if (c.state !== 'unchanged' && c.state !== 'refused') size.gated += 1;
  }
  const rings = doc.rings.map((ring, i): RingView => {
    const plan = rollout.plan.rings[i];
    const size = sizes[i] ?? { all: 0, gated: 0 };
    const perWave = plan ? resolveAmount(plan.maxConcurrent, size.gated, true) : 1;
    const checks = ring.checks.map((check): CheckView => ({ ...check, history: rollout.rings[i]?.checks?.find((c) => c.check === check.check)?.history ?? [] }));
    return {
      ...ring,
      size: size.all,
      waves: size.gated === 0 ? 0 : Math.ceil(size.gated / Math.max(1, perWave)),
      approvalRequired: plan?.approval ?? false,
      checks,
    };
  });
  return { ...doc, rings, current };
}
