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

describe('describeCompile with previews', () => {
  it('lists each preview that changed, with its reason, then the hosts', () => {
    const previews = {
      base: 'b'.repeat(40),
      previews: [
        { branch: 'feature/a', slug: 'feature-a', namespace: 'pr-feature-a', commit: '1'.repeat(40), action: 'created' as const },
        { branch: 'feature/b', slug: 'feature-b', namespace: 'pr-feature-b', commit: '2'.repeat(40), action: 'failed' as const, reason: 'apps/web/a.yaml:3: bad' },
        { branch: 'feature/c', slug: 'feature-c', namespace: 'pr-feature-c', commit: '3'.repeat(40), action: 'removed' as const, reason: 'merged into main' },
        { branch: 'feature/d', slug: 'feature-d', namespace: 'pr-feature-d', commit: '4'.repeat(40), action: 'unchanged' as const },
      ],
      hostsMoved: ['h1'],
      hostsHeld: [{ cluster: 'h2', reason: 'frozen' }],
    };
    expect(describeCompile({ ...base, previews }).split('\n').slice(1)).toEqual([
      'previews against bbbbbbbbbbbb: 3 changed, 1 unchanged',
      '  created feature/a at 111111111111 in pr-feature-a',
      '  failed feature/b at 222222222222 in pr-feature-b: apps/web/a.yaml:3: bad',
      '  removed feature/c: merged into main',
      '  hosts moved: h1',
      '  host h2 held: frozen',
      '',
    ]);
  });
});
