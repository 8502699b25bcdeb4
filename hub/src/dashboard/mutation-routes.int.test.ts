import type { AuditEntry } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { useDashboardFixtures } from './testing/fixture-stores.js';
import { readFlagOverrides } from '../flags/flag-overrides-store.js';
import { readFreeze } from '../control/freeze.js';
import { readCurrentRolloutDocument } from '../rollout/rollout-store.js';
import { digestOf, releaseOf, revisionOf } from '../testing/rollout-fixture.js';
import { storeKeys } from '../testing/store-reads.js';
import type { ApiError, MutationResult, WhoAmI } from './api-types.js';

const env = inject('driftlessEnv');
const { minio, start } = useDashboardFixtures(env);

const newest = async (f: { audit: { newestFirst(): AsyncIterable<AuditEntry> } }, action: string): Promise<AuditEntry | undefined> => {
  for await (const e of f.audit.newestFirst()) if (e.action === action) return e;
  return undefined;
};

const ok = async (res: Response): Promise<MutationResult> => {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as MutationResult;
};

describe('dashboard changes', () => {
  it('approves a ring on MinIO: the ring opens, and the audit log records alice and her reason', async () => {
    const store = minio();
    const f = await start({ store, clusters: 8, scenario: 'awaiting-approval' });
    const result = await ok(await f.post('/api/v1/rollouts/current/approve', { rollout: f.rollout.id, ring: 'rest', reason: 'canary looks good' }));
    expect(result).toMatchObject({ ok: true, actor: 'alice', message: `approved ring rest of rollout ${f.rollout.id} as alice: canary looks good` });
    const doc = (await readCurrentRolloutDocument(store))?.doc;
    expect(doc?.rings[1]).toMatchObject({ approval: { actor: 'alice', reason: 'canary looks good' } });
    expect(doc?.rings[1]?.phase).not.toBe('AwaitingApproval');
    expect(doc?.rings[1]?.wavesOpened).toBeGreaterThan(0);
    expect(await newest(f, 'rollout.approved')).toMatchObject({ actor: 'alice', reason: 'canary looks good' });
  });

  it('answers 409 with the rollout\'s reason when it refuses a command', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval' });
    const res = await f.post('/api/v1/rollouts/current/resume', { rollout: f.rollout.id, reason: 'try' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'RolloutCommandRefused', error: expect.stringContaining(`rollout ${f.rollout.id} resume failed:`) as unknown });
  });

  it('halts and resumes, each with the actor', async () => {
    const f = await start({ clusters: 6, scenario: 'progressing' });
    await ok(await f.post('/api/v1/rollouts/current/halt', { rollout: f.rollout.id, reason: 'incident 7' }));
    expect((await readCurrentRolloutDocument(f.store))?.doc).toMatchObject({ phase: 'Halted', halt: { actor: 'alice', reason: 'incident 7' } });
    await ok(await f.post('/api/v1/rollouts/current/resume', { rollout: f.rollout.id, reason: 'fixed' }));
    expect((await readCurrentRolloutDocument(f.store))?.doc.phase).toBe('Progressing');
    expect(await newest(f, 'rollout.resumed')).toMatchObject({ actor: 'alice', reason: 'fixed' });
  });

  it('refuses (409 RolloutSuperseded) approve, halt and resume meant for a rollout a newer one superseded: the newer one is untouched, nothing audited', async () => {
    const f = await start({ clusters: 8, scenario: 'awaiting-approval' });
    const shown = f.rollout.id;
    // Rollout 2 starts while the person types a reason for rollout 1; its ring rest is Pending, which an approval would accept.
    const ringOf = Object.fromEntries(f.clusters.map((c) => [c, f.canary.includes(c) ? 0 : 1]));
    const newer = `20260301T110000Z-${revisionOf('b').slice(0, 12)}`;
    await f.controller.start(releaseOf(newer, revisionOf('b'), f.rollout.plan, ringOf, digestOf('b')));
    const second = await readCurrentRolloutDocument(f.store);
    expect(second?.doc.id).toBe(newer);
    expect(second?.doc.rings[1]?.phase).toBe('Pending');
    const keys = await storeKeys(f.store);
    const entries = (await f.audit.read()).length;
    for (const [command, body] of [['approve', { ring: 'rest' }], ['halt', {}], ['resume', {}]] as const) {
      const res = await f.post(`/api/v1/rollouts/current/${command}`, { ...body, rollout: shown, reason: 'looked fine to me' });
      const answer = (await res.json()) as ApiError;
      expect([res.status, answer.code], answer.error).toEqual([409, 'RolloutSuperseded']);
      expect(answer.error).toContain(`rollout ${shown} ${command} failed: rollout ${newer} is current now`);
    }
    const after = await readCurrentRolloutDocument(f.store);
    expect(after).toEqual(second);
    expect(after?.doc.rings[1]?.approval).toBeUndefined();
    expect(await storeKeys(f.store)).toEqual(keys);
    expect((await f.audit.read()).length).toBe(entries);
    // The same approval naming the rollout now shown goes through.
    await ok(await f.post('/api/v1/rollouts/current/approve', { rollout: newer, ring: 'rest', reason: 'seen rollout 2' }));
    expect((await readCurrentRolloutDocument(f.store))?.doc.rings[1]?.approval).toMatchObject({ actor: 'alice', reason: 'seen rollout 2' });
  });

  it('freezes and unfreezes the fleet as alice', async () => {
    const f = await start({ clusters: 6, scenario: 'progressing' });
    expect(await ok(await f.post('/api/v1/freeze', { reason: 'change window' }))).toMatchObject({ actor: 'alice' });
    expect(await readFreeze(f.store)).toMatchObject({ actor: 'alice', reason: 'change window' });
    expect(await newest(f, 'fleet.frozen')).toMatchObject({ actor: 'alice', reason: 'change window' });
    await ok(await f.post('/api/v1/unfreeze', { reason: 'window over' }));
    expect(await readFreeze(f.store)).toBeUndefined();
    expect(await newest(f, 'fleet.unfrozen')).toMatchObject({ actor: 'alice', reason: 'window over' });
  });

  it('sets and clears a flag override as alice', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval' });
    const set = await ok(await f.post('/api/v1/flags/checkout-kill', { variant: 'off', reason: 'kill checkout', selector: 'region=eu' }));
    expect(set.message).toBe('set flag checkout-kill to off on 3 cluster(s) as alice: kill checkout');
    expect((await readFlagOverrides(f.store))?.doc.overrides['checkout-kill']).toMatchObject({ variant: 'off', actor: 'alice' });
    expect(await newest(f, 'flag.override.set')).toMatchObject({ actor: 'alice', reason: 'kill checkout' });
    await ok(await f.post('/api/v1/flags/checkout-kill/clear', { reason: 'back on' }));
    expect((await readFlagOverrides(f.store))?.doc.overrides['checkout-kill']).toBeUndefined();
    const unknown = await f.post('/api/v1/flags/no-such-flag', { variant: 'off', reason: 'r' });
    expect([unknown.status, ((await unknown.json()) as ApiError).code]).toEqual([409, 'FlagOverrideRefused']);
  });
});

describe('dashboard auth and request checks', () => {
  it('refuses a change without a token (401, WWW-Authenticate: Bearer) and writes nothing; a GET needs a user too', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval' });
    const before = await storeKeys(f.store);
    for (const path of ['/api/v1/freeze', '/api/v1/rollouts/current/approve', '/api/v1/flags/checkout-kill']) {
      const res = await f.fetchAs(path, { token: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ring: 'rest', variant: 'off', reason: 'r' }) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const wrong = await f.fetchAs('/api/v1/freeze', { token: 'not-a-known-token', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"r"}' });
    expect(wrong.status).toBe(401);
    expect(await storeKeys(f.store)).toEqual(before);
    expect((await f.fetchAs('/api/v1/fleet', { token: null })).status).toBe(401);
    expect((await f.fetchAs('/api/v1/whoami', { token: 'not-a-known-token' })).status).toBe(401);
  });

  it('answers GETs without credentials with --anonymous-read, never a change', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval', auth: { anonymousRead: true } });
    const who = await f.fetchAs('/api/v1/whoami', { token: null });
    expect(await who.json()).toEqual({ user: null, canWrite: false, anonymousRead: true } satisfies WhoAmI);
    expect((await f.fetchAs('/api/v1/fleet', { token: null })).status).toBe(200);
    const before = await storeKeys(f.store);
    expect((await f.fetchAs('/api/v1/freeze', { token: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"r"}' })).status).toBe(401);
    expect(await storeKeys(f.store)).toEqual(before);
  });

  it('takes the user from the trusted header, and refuses a cross-site request carrying it (403)', async () => {
    const f = await start({ clusters: 6, scenario: 'progressing', auth: { trustHeader: 'x-forwarded-user' } });
    const asBob = (headers: Record<string, string>) =>
      f.fetchAs('/api/v1/freeze', { token: null, method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-user': 'bob', ...headers }, body: '{"reason":"from the proxy"}' });
    const before = await storeKeys(f.store);
    expect((await asBob({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await asBob({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(await storeKeys(f.store)).toEqual(before);
    expect(await ok(await asBob({ origin: f.url }))).toMatchObject({ actor: 'bob' });
    expect(await readFreeze(f.store)).toMatchObject({ actor: 'bob' });
  });

  it('refuses a body that is not JSON (415) or misses a field (400 naming it), writing nothing', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval' });
    const before = await storeKeys(f.store);
    const form = await f.fetchAs('/api/v1/freeze', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=r' });
    expect(form.status).toBe(415);
    const cases: [string, unknown, string][] = [
      ['/api/v1/freeze', { reason: '  ' }, 'body reason failed'],
      ['/api/v1/freeze', {}, 'body reason failed'],
      ['/api/v1/rollouts/current/approve', { rollout: f.rollout.id, reason: 'r' }, 'body ring failed'],
      ['/api/v1/rollouts/current/approve', { ring: 'rest', reason: 'r' }, 'body rollout failed: must name the rollout id shown'],
      ['/api/v1/rollouts/current/halt', { reason: 'r' }, 'body rollout failed'],
      ['/api/v1/rollouts/current/resume', { rollout: '', reason: 'r' }, 'body rollout failed'],
      ['/api/v1/flags/checkout-kill', { reason: 'r' }, 'body variant failed'],
    ];
    for (const [path, body, said] of cases) {
      const res = await f.post(path, body);
      expect([res.status, ((await res.json()) as ApiError).error]).toEqual([400, expect.stringContaining(said)]);
    }
    expect((await f.post('/api/v1/no-such-change', { reason: 'r' })).status).toBe(404);
    expect((await f.post('/api/v1/fleet', { reason: 'r' })).status).toBe(405);
    expect(await storeKeys(f.store)).toEqual(before);
  });
});
