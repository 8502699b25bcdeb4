import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { listAll, type ObjectStore } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { readFreeze } from '../control/freeze.js';
import type { ApiError } from './api-types.js';
import { ALICE, type DashboardFixture } from './testing/dashboard-fixture.js';
import { useDashboardFixtures } from './testing/fixture-stores.js';

/*
 * The API's security properties over a real HTTP server and a `file:` store
 * (review 17a S6): each request is sent raw (node:http, so `..`, `//` and a
 * repeated header go out as written) and the store's every key and content
 * is compared before and after.
 */

const env = inject('driftlessEnv');
const { start } = useDashboardFixtures(env);

const TRUST = 'x-forwarded-user';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ALICE = { authorization: `Bearer ${ALICE.token}` };

/** Every key in the store with the sha256 of its content: a write of any kind changes it. */
async function storeContents(store: ObjectStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const key of listAll(store, '')) {
    const got = await store.get(key);
    out[key] = got.kind === 'found' ? createHash('sha256').update(got.body).digest('hex') : 'gone';
  }
  return out;
}

/** A request sent as written; a header given as a list goes out once per value. */
function raw(f: DashboardFixture, method: string, path: string, headers: Record<string, string | string[]> = {}, body?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(f.url);
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = request({ host: hostname, port, method, path, headers: { ...headers, ...length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (body: string): string => (body === '' ? '' : (JSON.parse(body) as ApiError).error);

describe('the dashboard API refuses what it must, writing nothing', () => {
  it('refuses methods, paths and credentials that are not a change route with a user, and the store stays as it was', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval', auth: { trustHeader: TRUST } });
    const freeze = JSON.stringify({ reason: 'r', rollout: f.rollout.id, ring: 'rest', variant: 'off' });
    const cases: [what: string, method: string, path: string, headers: Record<string, string | string[]>, status: number, says?: string][] = [
      ['HEAD of a change route without a user', 'HEAD', '/api/v1/freeze', {}, 401],
      ['OPTIONS of a change route without a user', 'OPTIONS', '/api/v1/freeze', {}, 401],
      ['PUT of a change route without a user', 'PUT', '/api/v1/rollouts/current/approve', JSON_TYPE, 401],
      ['PUT of a change route as alice', 'PUT', '/api/v1/freeze', { ...JSON_TYPE, ...AS_ALICE }, 405],
      ['OPTIONS of a change route as alice', 'OPTIONS', '/api/v1/rollouts/current/approve', AS_ALICE, 405],
      ['DELETE of a change route as alice', 'DELETE', '/api/v1/flags/checkout-kill', AS_ALICE, 405],
      ['a doubled slash', 'POST', '/api/v1//freeze', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['a doubled leading slash', 'POST', '//api/v1/freeze', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['a dot-dot segment', 'POST', '/api/v1/../freeze', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['a dot-dot back into the API', 'POST', '/api/v1/rollouts/../freeze', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['a trailing slash', 'POST', '/api/v1/freeze/', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['a percent-encoded route name', 'POST', '/api/v1/%66reeze', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['percent-encoded slashes', 'POST', '/api/v1/rollouts%2Fcurrent%2Fapprove', { ...JSON_TYPE, ...AS_ALICE }, 404],
      ['an encoded dot-dot as a flag name', 'POST', '/api/v1/flags/%2e%2e', { ...JSON_TYPE, ...AS_ALICE }, 400, 'is not a flag name'],
      ['an encoded slash in a flag name', 'POST', '/api/v1/flags/..%2Ffreeze', { ...JSON_TYPE, ...AS_ALICE }, 400, 'is not a flag name'],
      ['the trusted header twice', 'POST', '/api/v1/freeze', { ...JSON_TYPE, [TRUST]: ['mallory', 'bob'] }, 401, `the trusted header ${TRUST} appears 2 times`],
      ['the trusted header joined by a proxy', 'POST', '/api/v1/freeze', { ...JSON_TYPE, [TRUST]: 'mallory, bob' }, 401, 'is not a plain user name'],
      ['Basic auth (ignored) and no trusted header', 'POST', '/api/v1/freeze', { ...JSON_TYPE, authorization: 'Basic Ym9iOnNlY3JldA==' }, 401, 'a change needs a bearer token'],
    ];
    const before = await storeContents(f.store);
    for (const [what, method, path, headers, status, says] of cases) {
      const res = await raw(f, method, path, headers, method === 'HEAD' || method === 'OPTIONS' ? undefined : freeze);
      expect({ what, status: res.status }).toEqual({ what, status });
      if (says !== undefined) expect(errorOf(res.body), what).toContain(says);
    }
    expect(await storeContents(f.store)).toEqual(before);
  });

  it('records the actor the credentials name, never a body actor, and ignores Basic auth next to the trusted header', async () => {
    const f = await start({ clusters: 6, scenario: 'progressing', auth: { trustHeader: TRUST } });
    const frozen = await raw(f, 'POST', '/api/v1/freeze', { ...JSON_TYPE, ...AS_ALICE }, JSON.stringify({ reason: 'window', actor: 'mallory' }));
    expect([frozen.status, (JSON.parse(frozen.body) as { actor: string }).actor]).toEqual([200, 'alice']);
    expect(await readFreeze(f.store)).toMatchObject({ actor: 'alice', reason: 'window' });
    const lifted = await raw(f, 'POST', '/api/v1/unfreeze', { ...JSON_TYPE, [TRUST]: 'bob', authorization: 'Basic Ym9iOnNlY3JldA==' }, JSON.stringify({ reason: 'done', actor: 'mallory' }));
    expect([lifted.status, (JSON.parse(lifted.body) as { actor: string }).actor]).toEqual([200, 'bob']);
    const actors = (await f.audit.read()).filter((e) => e.action.startsWith('fleet.')).map((e) => [e.action, e.actor]);
    expect(actors).toEqual([['fleet.frozen', 'alice'], ['fleet.unfrozen', 'bob']]);
  });

  it('writes nothing on a GET or HEAD of any read route', async () => {
    const f = await start({ clusters: 6, scenario: 'awaiting-approval' });
    const reads = [
      'whoami', 'fleet', 'fleet?ring=rest&phase=Applied', 'control', 'clusters', 'clusters?limit=2', `clusters/${f.clusters[0] ?? ''}`, 'rollouts', 'rollouts/current',
      `rollouts/${f.rollout.id}`, 'flags', 'previews', 'audit', 'audit?actor=alice&limit=5', 'audit/export',
    ];
    const before = await storeContents(f.store);
    for (const path of reads) {
      for (const method of ['GET', 'HEAD']) {
        const res = await raw(f, method, `/api/v1/${path}`, AS_ALICE);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 200 });
      }
    }
    expect(await storeContents(f.store)).toEqual(before);
  });
});
