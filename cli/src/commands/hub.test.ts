import type { CompileReport } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { describeCompile } from './hub.js';

const base: CompileReport = {
  revision: 'a'.repeat(40),
  clusters: 8,
  uniqueBundles: 8,
  blobsWritten: 16,
  blobsRepaired: 0,
  pointersUpdated: 0,
  orphaned: [],
  refused: [],
  durationMs: 12,
};
const started = { rollout: 'r1', phase: 'Progressing', moved: 1, reverted: 0, changed: true } as const;

describe('describeCompile', () => {
  it.each<[string, Partial<CompileReport>, string[]]>([
    ['without delivery: the pointers updated', { pointersUpdated: 6 }, ['compiled aaaaaaaaaaaa: 8 clusters, 8 unique bundles; wrote 16 blobs, updated 6 pointers in 12 ms']],
    [
      'frozen without delivery: updated none, held the rest',
      { pointersHeld: 6, frozen: { actor: 'ops', reason: 'incident 7' } },
      ['compiled aaaaaaaaaaaa: 8 clusters, 8 unique bundles; wrote 16 blobs, updated 0 pointers in 12 ms', 'frozen by ops (incident 7): 6 pointers not moved'],
    ],
    [
      'a rollout started: held for it, of which ring 0 moved some; no second count',
      { pointersHeld: 6, rollout: started },
      ['compiled aaaaaaaaaaaa: 8 clusters, 8 unique bundles; wrote 16 blobs in 12 ms', "rollout r1 started: 6 pointers held for the rollout (ring 0's first wave moved 1)"],
    ],
    [
      'a rollout started while frozen',
      { pointersHeld: 6, rollout: { ...started, moved: 0 }, frozen: { actor: 'ops', reason: 'incident 7' } },
      [
        'compiled aaaaaaaaaaaa: 8 clusters, 8 unique bundles; wrote 16 blobs in 12 ms',
        "rollout r1 started: 6 pointers held for the rollout (ring 0's first wave moved 0)",
        "frozen by ops (incident 7): ring 0's first wave waits for driftless unfreeze",
      ],
    ],
    [
      'the rollout of this revision runs already',
      { pointersHeld: 3 },
      ['compiled aaaaaaaaaaaa: 8 clusters, 8 unique bundles; wrote 16 blobs, updated 0 pointers in 12 ms', '3 pointers held for the running rollout (driftless rollout step moves them)'],
    ],
  ])('%s', (_, over, lines) => {
    expect(describeCompile({ ...base, ...over })).toBe(`${lines.join('\n')}\n`);
  });
});
