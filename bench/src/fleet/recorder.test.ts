import { describe, expect, it } from 'vitest';
import { FleetRecorder } from './recorder.js';

describe('FleetRecorder', () => {
  it('counts a cluster that reported the new bundle before its publish was registered', () => {
    const r = new FleetRecorder(0, 1_000);
    r.beginCommit();
    r.published('a', 'sha256:1', 0);
    r.applied('a', 'sha256:1', 100);
    r.beginCommit();
    // Git mode: the cluster fetched, rendered and applied while the bench was still working out the expectations.
    r.applied('a', 'sha256:2', 900);
    r.published('a', 'sha256:2', 500);
    r.published('b', 'sha256:3', 500);
    expect(r.pending).toBe(1);
    r.applied('b', 'sha256:3', 2_500);
    expect(r.pending).toBe(0);
    expect(r.convergence()).toMatchObject({ samples: [400, 2_000], failedClusters: 0 });
  });

  it('does not take an earlier bundle for the new one, and counts who never applied it', () => {
    const r = new FleetRecorder(0, 1_000);
    r.beginCommit();
    r.published('a', 'sha256:1', 0);
    r.applied('a', 'sha256:1', 100);
    r.beginCommit();
    r.published('a', 'sha256:2', 500);
    expect(r.pending).toBe(1);
    expect(r.convergence()).toMatchObject({ samples: [], failedClusters: 1 });
  });
});
