import { API_VERSION, type Digest, type Pointer } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import type { AgentState } from './agent-state.js';
import type { ReconcileOutcome } from './reconcile/change-set.js';
import { summarize, type PassFacts, type PassSummary, type Reconciled } from './summarize.js';

const NOW = Date.UTC(2026, 10, 22, 12);
const digest: Digest = `sha256:${'a'.repeat(64)}`;
const pointer: Pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'c1', bundle: digest, revision: '0'.repeat(40), generation: 7, publishedAt: '2026-11-22T00:00:00.000Z' };
const bundle = { digest, objects: [] };
const config = { cluster: 'c1', agentVersion: '0.1.0', heartbeatMs: 300_000, progressDeadlineMs: 600_000, insecure: false };
const clean: ReconcileOutcome = { applied: 0, unchanged: 3, drifted: 0, pruned: 0, failed: [], notReady: [], degraded: [] };
const done = (over: Partial<ReconcileOutcome> = {}): Reconciled => ({ kind: 'done', outcome: { ...clean, ...over }, release: { ...clean, ...over } });
const rollingOut = { notReady: [{ object: 'Deployment/app/api', reason: '1 of 2 replicas available' }] };

type State = PassFacts['state'];
const idle: State = { pointer, bundle: { ...bundle, objects: Array.from({ length: 3 }, () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })) }, rejection: undefined, appliedAt: { digest, at: NOW - 1_000 }, lastStatus: undefined, failures: 0 };
const facts = (over: Partial<Omit<PassFacts, 'state'>> & { state?: Partial<State> }): PassFacts => ({
  now: NOW,
  config,
  intake: { poll: 'not-modified' },
  reconciled: done(),
  ...over,
  state: { ...idle, ...over.state },
});

/** The parts of a summary a table row checks. */
const brief = (s: PassSummary) => ({ phase: s.result.phase, error: s.result.error, status: s.status?.status.phase, next: s.next, logs: s.log.map((e) => e.msg) });

describe('summarize', () => {
  it.each<[string, PassFacts, ReturnType<typeof brief>]>([
    ['a failed poll: Unknown, no status, back off', facts({ intake: { poll: 'error', error: 'store down', forgetEtag: false }, reconciled: undefined }), { phase: 'Unknown', error: 'store down', status: undefined, next: { kind: 'backoff', failures: 1 }, logs: ['poll failed'] }],
    ['a source step failed after the pointer was read (cluster unreachable): Failed, in status, back off', facts({ intake: { poll: 'error', error: 'ConfigMap get failed: no answer within 200 ms', forgetEtag: true }, reconciled: undefined }), { phase: 'Failed', error: 'ConfigMap get failed: no answer within 200 ms', status: 'Failed', next: { kind: 'backoff', failures: 1 }, logs: ['poll failed'] }],
    ['no pointer yet: Unknown, nothing to report', facts({ intake: { poll: 'none' }, state: { pointer: undefined, bundle: undefined }, reconciled: undefined }), { phase: 'Unknown', error: undefined, status: undefined, next: { kind: 'interval' }, logs: [] }],
    ['a refused first pointer: Failed', facts({ intake: { poll: 'changed', refused: 'bad', etag: 'e' }, state: { pointer: undefined, bundle: undefined, rejection: 'bad' }, reconciled: undefined }), { phase: 'Failed', error: 'bad', status: 'Failed', next: { kind: 'backoff', failures: 1 }, logs: ['pointer or bundle refused'] }],
    ['a refused pointer over a good bundle: Failed, the refusal named', facts({ state: { rejection: 'bad' } }), { phase: 'Failed', error: 'bad', status: 'Failed', next: { kind: 'backoff', failures: 1 }, logs: ['pointer or bundle refused'] }],
    ['a reconcile that could not finish: Failed with its error', facts({ reconciled: { kind: 'error', error: 'api down' } }), { phase: 'Failed', error: 'api down', status: 'Failed', next: { kind: 'backoff', failures: 1 }, logs: ['reconcile failed'] }],
    ['an object refused: Failed, naming it', facts({ reconciled: done({ failed: [{ object: 'ConfigMap/app/x', message: 'ConfigMap/app/x apply failed: no' }] }) }), { phase: 'Failed', error: 'ConfigMap/app/x apply failed: no', status: 'Failed', next: { kind: 'backoff', failures: 1 }, logs: ['reconciled'] }],
    ['an object failed for good: Degraded, naming it', facts({ reconciled: done({ degraded: [{ object: 'Job/app/j', reason: 'BackoffLimitExceeded' }] }) }), { phase: 'Degraded', error: 'Job/app/j: BackoffLimitExceeded', status: 'Degraded', next: { kind: 'interval' }, logs: [] }],
    ['objects rolling out within the deadline: Progressing', facts({ reconciled: done(rollingOut) }), { phase: 'Progressing', error: undefined, status: 'Progressing', next: { kind: 'interval' }, logs: [] }],
    ['objects still rolling out past the deadline: Degraded', facts({ state: { appliedAt: { digest, at: NOW - 600_001 } }, reconciled: done(rollingOut) }), { phase: 'Degraded', error: 'Deployment/app/api: 1 of 2 replicas available', status: 'Degraded', next: { kind: 'interval' }, logs: [] }],
    ['a new previews bundle with the same release bundle restarts the deadline', facts({ state: { bundle: { ...idle.bundle!, previews: { digest: `sha256:${'c'.repeat(64)}`, objects: [] } }, appliedAt: { digest, at: NOW - 900_000 } }, reconciled: done(rollingOut) }), { phase: 'Progressing', error: undefined, status: 'Progressing', next: { kind: 'interval' }, logs: [] }],
    ['a new bundle restarts the deadline', facts({ state: { appliedAt: { digest: `sha256:${'b'.repeat(64)}`, at: NOW - 900_000 } }, reconciled: done(rollingOut) }), { phase: 'Progressing', error: undefined, status: 'Progressing', next: { kind: 'interval' }, logs: [] }],
    ['all in shape: Applied', facts({}), { phase: 'Applied', error: undefined, status: 'Applied', next: { kind: 'interval' }, logs: [] }],
    ['an expired pointer: Stale, no backoff, logged', facts({ reconciled: undefined, stale: { generation: 7, publishedAt: '2026-11-20T00:00:00.000Z', expiresAt: '2026-11-21T00:00:00.000Z', error: 'expired' } }), { phase: 'Stale', error: 'expired', status: 'Stale', next: { kind: 'interval' }, logs: ['pointer expired'] }],
    ['objects written: Applied, and logged', facts({ reconciled: done({ applied: 2, drifted: 1 }) }), { phase: 'Applied', error: undefined, status: 'Applied', next: { kind: 'interval' }, logs: ['reconciled'] }],
  ])('%s', (_what, input, expected) => {
    expect(brief(summarize(input))).toEqual(expected);
  });

  it('counts failed passes in a row for the backoff, and starts again after a good one', () => {
    expect(summarize(facts({ state: { failures: 3 }, reconciled: { kind: 'error', error: 'x' } })).next).toEqual({ kind: 'backoff', failures: 4 });
    expect(summarize(facts({ state: { failures: 3 } }))).toMatchObject({ failures: 0, next: { kind: 'interval' } });
  });

  it('writes the status document the wire contract describes, with ready = applied + unchanged - unhealthy', () => {
    const s = summarize(facts({ intake: { poll: 'changed', pointer, bundle, etag: 'e' }, reconciled: done({ applied: 1, unchanged: 2, drifted: 1, pruned: 4, ...rollingOut }) }));
    expect(s.status?.status).toEqual({
      apiVersion: API_VERSION,
      kind: 'Status',
      cluster: 'c1',
      observedGeneration: 7,
      appliedBundle: digest,
      phase: 'Progressing',
      objects: { total: 3, ready: 2, drifted: 1, pruned: 4 },
      insecureSkipVerify: false,
      agentVersion: '0.1.0',
      heartbeatAt: new Date(NOW).toISOString(),
    });
    expect(s.result).toEqual({ poll: 'changed', phase: 'Progressing', outcome: expect.objectContaining({ applied: 1 }) as unknown, statusWritten: false, generation: 7 });
  });

  it('says in every status whether the agent is in insecure mode', () => {
    expect(summarize({ ...facts({}), config: { ...config, insecure: true } }).status?.status).toMatchObject({ phase: 'Applied', insecureSkipVerify: true });
    expect(summarize(facts({})).status?.status).toMatchObject({ insecureSkipVerify: false });
  });

  it('writes an unchanged status again only once the heartbeat is due', () => {
    const first = summarize(facts({}));
    const lastStatus = { body: first.status?.body ?? '', at: NOW };
    expect(summarize(facts({ now: NOW + 299_999, state: { lastStatus } })).status).toBeUndefined();
    expect(summarize(facts({ now: NOW + 300_000, state: { lastStatus } })).status?.status.heartbeatAt).toBe(new Date(NOW + 300_000).toISOString());
    expect(summarize(facts({ now: NOW + 1, state: { lastStatus }, reconciled: done({ drifted: 1, applied: 1 }) })).status).toBeDefined();
  });

  it('starts the progress deadline when a bundle is first reconciled, and keeps it after', () => {
    const state: Partial<AgentState> = { appliedAt: undefined };
    const first = summarize(facts({ state }));
    expect(first.appliedAt).toEqual({ digest, at: NOW });
    expect(summarize(facts({ now: NOW + 5_000, state: { appliedAt: first.appliedAt } })).appliedAt).toEqual({ digest, at: NOW });
  });

  it('logs what a pass wrote with its counts, the failed ones counted', () => {
    const s = summarize(facts({ reconciled: done({ applied: 2, failed: [{ object: 'a', message: 'm' }] }) }));
    expect(s.log).toEqual([
      { level: 'info', msg: 'reconciled', cluster: 'c1', generation: 7, applied: 2, unchanged: 3, drifted: 0, pruned: 0, failed: 1, notReady: [], degraded: [] },
    ]);
  });
});
