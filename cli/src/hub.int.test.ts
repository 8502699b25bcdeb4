import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, canonicalBytes, DEFAULT_BUNDLE_LIMITS, decodePointer, listAll, storeLayout, type ObjectStore, type Pointer } from '@driftless/core';
import { createAuditLog, generateSigningKeyPair } from '@driftless/hub';
import { systemClock } from '@driftless/clock';
import { createFileStore } from '@driftless/store';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, fixtureFleet, pointBranch } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { main } from './main.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function fleet() {
  const name = uniqueName('cli-fleet');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, fixtureFleet(), 'first');
  const dir = await mkdtemp(join(tmpdir(), 'driftless-cli-'));
  dirs.push(dir);
  const args = ['--repo', `${env.git.baseUrl}${name}.git`, '--store', `file:${join(dir, 'store')}`, '--cache-dir', join(dir, 'cache')];
  return { bare, dir, args, storeDir: join(dir, 'store') };
}

async function pointerOf(store: ObjectStore, cluster: string): Promise<Pointer> {
  const got = await store.get(storeLayout.pointer(cluster));
  if (got.kind !== 'found') throw new Error(`no pointer for ${cluster}`);
  return decodePointer(got.body, cluster, cluster);
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('driftless hub compile, status and gc', () => {
  it('compiles into a file: store and prints one JSON document', async () => {
    const { args } = await fleet();
    const r = await run(['hub', 'compile', ...args, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(
      ['blobsRepaired', 'blobsWritten', 'clusters', 'durationMs', 'orphaned', 'pointersUpdated', 'refused', 'revision', 'uniqueBundles', 'warnings'].sort(),
    );
    expect(report).toMatchObject({ clusters: 3, blobsWritten: 3, pointersUpdated: 3, warnings: [] });
  });

  // fixtureFleet's fleet.yaml has 18 lines: `delivery:` is line 19, ring-0 starts on 21, its soak is on 23.
  const withDelivery = (rings: string): string => `${fixtureFleet()['fleet.yaml'] ?? ''}  delivery:\n    rings:\n${rings}`;

  it('exits 2 naming fleet.yaml, line and field for a bad delivery block, publishing nothing', async () => {
    const { args, bare, storeDir } = await fleet();
    await commitFiles(bare, { 'fleet.yaml': withDelivery('      - name: ring-0\n        selector: {}\n        soak: 10 minutes\n') }, 'bad soak');
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: fleet\.yaml:23: spec\.delivery\.rings\[0\]\.soak: "10 minutes" must be a duration like 30s, 10m or 1h/);
    const keys: string[] = [];
    for await (const k of listAll(createFileStore(storeDir), '')) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('exits 2 naming the cluster, its file and the delivery line when no ring takes a cluster', async () => {
    const { args, bare } = await fleet();
    await commitFiles(bare, { 'fleet.yaml': withDelivery('      - name: prod\n        selector: { matchLabels: { env: prod } }\n') }, 'no catch-all');
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: fleet\.yaml:19: cluster eu-stg-001 \(clusters\/eu-stg-001\.yaml\) matches no ring of spec\.delivery: add a catch-all ring \(selector: \{\}\)/);
  });

  it('warns on stderr and in --json of a ring that gets no cluster, and compiles', async () => {
    const { args, bare } = await fleet();
    await commitFiles(bare, { 'fleet.yaml': withDelivery('      - name: mars\n        selector: { matchLabels: { planet: mars } }\n      - name: rest\n        selector: {}\n') }, 'empty ring');
    const r = await run(['hub', 'compile', ...args, '--json']);
    expect(r.code).toBe(0);
    const warning = 'fleet.yaml:21: ring mars gets no cluster: its selector matches no cluster';
    expect(r.err).toContain(`warning: ${warning}\n`);
    expect((JSON.parse(r.out) as { warnings: string[] }).warnings).toEqual([warning]);
  });

  it('hub compile --previews on a fleet without spec.previews publishes and runs a removal-only cycle (nothing to remove)', async () => {
    const { args } = await fleet();
    const r = await run(['hub', 'compile', ...args, '--previews', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('warning: previews');
    const out = JSON.parse(r.out) as { warnings?: unknown; previews: unknown };
    expect(out).toMatchObject({ clusters: 3, pointersUpdated: 3, previews: { previews: [], hostsMoved: [], hostsHeld: [] } });
    expect(out.warnings ?? []).toEqual([]);
  });

  it('moves no pointer while the fleet is frozen and says who froze it and how many pointers it held', async () => {
    const { args, storeDir } = await fleet();
    const store = createFileStore(storeDir);
    const freeze = { apiVersion: API_VERSION, kind: 'Freeze', actor: 'ops', at: '2026-01-01T00:00:00.000Z', reason: 'incident 7' };
    await store.put(storeLayout.freeze, canonicalBytes(freeze));
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('frozen by ops (incident 7): 3 pointers not moved');
    expect((await store.get(storeLayout.pointer('eu-prod-001'))).kind).toBe('not-found');
  });

  it('exits 2 and names file and line when the repository is wrong, publishing nothing', async () => {
    const { args, bare, storeDir } = await fleet();
    await commitFiles(bare, { 'apps/config/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: [unclosed\n' }, 'broken');
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: apps\/config\/broken\.yaml:\d+: malformed YAML/);
    const keys: string[] = [];
    for await (const k of listAll(createFileStore(storeDir), '')) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('exits 2 when a cluster\'s bundle is over the limits an agent holds, naming the cluster and the limit, publishing nothing', async () => {
    const { args, bare, storeDir } = await fleet();
    const many = Array.from({ length: DEFAULT_BUNDLE_LIMITS.maxObjects }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m${i}}\n`).join('---\n');
    await commitFiles(bare, { 'apps/config/many.yaml': many }, 'many');
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: cluster [a-z0-9-]+: bundle sha256:[0-9a-f]{64} encode failed: it holds \\d+ objects, over the limit of ${DEFAULT_BUNDLE_LIMITS.maxObjects} objects`));
    const keys: string[] = [];
    for await (const k of listAll(createFileStore(storeDir), '')) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('exits 1 when the mass-prune guard refuses clusters, naming them', async () => {
    const { args, bare } = await fleet();
    expect((await run(['hub', 'compile', ...args])).code).toBe(0);
    await commitFiles(bare, { 'apps/config/settings.yaml': null, 'fleet.yaml': fixtureFleet()['fleet.yaml']?.replace(/ {4}- name: config[\s\S]*$/, '') ?? '' }, 'drop config');
    await commitFiles(bare, { 'apps/web/base/kustomization.yaml': 'resources: [service.yaml]\n' }, 'drop deployment');
    const r = await run(['hub', 'compile', ...args]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cluster eu-prod-001 publish refused: would remove 3 of its 4 objects');
    expect((await run(['hub', 'compile', ...args, '--allow-mass-prune'])).code).toBe(0);
  });

  it('exits 2 naming both commits when an older commit is published after a newer one, unless --allow-rollback', async () => {
    const { args, bare, storeDir } = await fleet();
    const older = (JSON.parse((await run(['hub', 'compile', ...args, '--json'])).out) as { revision: string }).revision;
    const newer = await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'second');
    expect((await run(['hub', 'compile', ...args])).code).toBe(0);
    await pointBranch(bare, 'old', older);
    const refused = await run(['hub', 'compile', ...args, '--ref', 'old']);
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      `error: revision ${older} publish failed: it does not descend from ${newer}, the last revision published to this store ` +
        '(an older commit or an unrelated history would roll the fleet back); pass --allow-rollback if that is intended\n',
    );
    for (const reason of [[], ['--reason', ' ']]) {
      const unexplained = await run(['hub', 'compile', ...args, '--ref', 'old', '--allow-rollback', ...reason]);
      expect(unexplained.code).toBe(2);
      expect(unexplained.err).toMatch(/^error: --allow-rollback needs --reason/);
    }
    const allowed = await run(['hub', 'compile', ...args, '--ref', 'old', '--allow-rollback', '--reason', 'zone label broke routing', '--as', 'alice', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out)).toMatchObject({ revision: older, rolledBackFrom: newer, pointersUpdated: 3 });
    const entries = await createAuditLog({ store: createFileStore(storeDir), clock: systemClock }).read();
    expect(entries.slice(-2).map((e) => [e.actor, e.action, e.subject, e.reason])).toEqual([
      ['alice', 'release.published', `revision/${older}`, 'zone label broke routing'],
      ['alice', 'rollback.allowed', `revision/${older}`, 'zone label broke routing'],
    ]);
  });

  it('signs pointers with an expiry, and hub resign renews those within the window, keeping their generation', async () => {
    const { args, dir, storeDir } = await fleet();
    const keyFile = join(dir, 'hub.key');
    await writeFile(keyFile, generateSigningKeyPair().privateKeyPem);
    expect((await run(['hub', 'compile', ...args, '--sign-key', keyFile, '--pointer-ttl', '2d'])).code).toBe(0);
    const store = createFileStore(storeDir);
    const before = await pointerOf(store, 'eu-stg-001');
    expect(Date.parse(before.expiresAt ?? '') - Date.parse(before.publishedAt)).toBe(2 * 86_400_000);
    const fresh = await run(['hub', 'resign', '--store', `file:${storeDir}`, '--sign-key', keyFile, '--pointer-ttl', '2d']);
    expect(fresh).toMatchObject({ code: 0, out: '0 resigned, 3 fresh, 0 changed meanwhile, 0 failed\n' });
    // --signing-key: the flag's first name, kept as a hidden alias of --sign-key.
    const r = await run(['hub', 'resign', '--store', `file:${storeDir}`, '--signing-key', keyFile, '--pointer-ttl', '3d', '--within', '2d', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { resigned: { cluster: string; generation: number }[] };
    expect(report.resigned.map((x) => [x.cluster, x.generation])).toEqual([['eu-prod-001', 1], ['eu-stg-001', 1], ['us-prod-001', 1]]);
    const after = await pointerOf(store, 'eu-stg-001');
    expect(after).toMatchObject({ generation: 1, bundle: before.bundle, revision: before.revision, publishedAt: before.publishedAt });
    expect(Date.parse(after.expiresAt ?? '')).toBeGreaterThan(Date.parse(before.expiresAt ?? ''));
  });

  it('hub resign signs no unsigned pointer: exit 1, naming each pointer and why', async () => {
    const { args, dir, storeDir } = await fleet();
    const keyFile = join(dir, 'hub.key');
    await writeFile(keyFile, generateSigningKeyPair().privateKeyPem);
    expect((await run(['hub', 'compile', ...args])).code).toBe(0);
    const r = await run(['hub', 'resign', '--store', `file:${storeDir}`, '--sign-key', keyFile]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('0 resigned, 0 fresh, 0 changed meanwhile, 3 failed\n');
    expect(r.err).toContain(
      'pointer clusters/eu-prod-001/desired.json resign refused: pointer clusters/eu-prod-001/desired.json verify failed: the pointer is not signed',
    );
    expect(r.err).toContain('run hub compile --sign-key');
    expect((await pointerOf(createFileStore(storeDir), 'eu-prod-001')).signature).toBeUndefined();
  });

  it('exits 2 when --pointer-ttl is given without --sign-key (an unsigned pointer carries no expiry)', async () => {
    const { args, storeDir } = await fleet();
    const r = await run(['hub', 'compile', ...args, '--pointer-ttl', '2d']);
    expect(r).toMatchObject({ code: 2, err: 'error: --pointer-ttl needs --sign-key: only signed pointers carry an expiry\n' });
    const keys: string[] = [];
    for await (const k of listAll(createFileStore(storeDir), '')) keys.push(k);
    expect(keys, 'nothing published').toEqual([]);
  });

  it('exits 2 naming the flag for a bad --pointer-ttl or --within', async () => {
    const { args, storeDir } = await fleet();
    const bad = await run(['hub', 'compile', ...args, '--pointer-ttl', 'soon']);
    expect(bad).toMatchObject({ code: 2, err: 'error: --pointer-ttl "soon" is not a duration (use e.g. 500ms, 30s, 5m, 1h)\n' });
    const within = await run(['hub', 'resign', '--store', `file:${storeDir}`, '--signing-key', '/nonexistent', '--pointer-ttl', '1d', '--within', '2d']);
    expect(within.code).toBe(2);
    expect(within.err).toContain('--within 2d must be shorter than --pointer-ttl 1d');
  });

  it('shows every cluster in status, lagging until an agent reports', async () => {
    const { args, storeDir } = await fleet();
    await run(['hub', 'compile', ...args]);
    const r = await run(['status', '--store', `file:${storeDir}`, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { cluster: string; phase: string; lagging: boolean; desiredGeneration: number }[];
    expect(rows.map((x) => [x.cluster, x.phase, x.lagging, x.desiredGeneration])).toEqual([
      ['eu-prod-001', 'Unknown', true, 1],
      ['eu-stg-001', 'Unknown', true, 1],
      ['us-prod-001', 'Unknown', true, 1],
    ]);
    const human = await run(['status', '--store', `file:${storeDir}`]);
    expect(human.out.split('\n')[0]).toMatch(/^CLUSTER\s+DESIRED\s+GEN\s+APPLIED\s+PHASE\s+VERIFY\s+AGENT\s+HEARTBEAT\s+NOTE$/);
  });

  it('shows in status an agent that skips verification, and how old the expired pointer of a Stale cluster is', async () => {
    const { args, storeDir } = await fleet();
    await run(['hub', 'compile', ...args]);
    const store = createFileStore(storeDir);
    const report = async (cluster: string, extra: Record<string, unknown>): Promise<void> => {
      const doc = {
        apiVersion: API_VERSION,
        kind: 'Status',
        cluster,
        observedGeneration: 1,
        phase: 'Applied',
        objects: { total: 1, ready: 1, drifted: 0, pruned: 0 },
        agentVersion: '0.1.0',
        heartbeatAt: '2021-01-01T00:00:00.000Z',
        ...extra,
      };
      await store.put(storeLayout.status(cluster), canonicalBytes(doc));
    };
    const stale = { generation: 1, publishedAt: '2020-01-01T00:00:00.000Z', expiresAt: '2020-01-08T00:00:00.000Z' };
    await report('eu-prod-001', { phase: 'Stale', stale, lastError: 'pointer expired' });
    await report('eu-stg-001', { insecureSkipVerify: true, agentVersion: '0.2.0' });
    const json = await run(['status', '--store', `file:${storeDir}`, '--json']);
    const rows = JSON.parse(json.out) as { cluster: string; phase: string; insecureSkipVerify: boolean | null; stale?: typeof stale & { ageSeconds: number } }[];
    // eu-prod-001's agent (0.1.0) does not say whether it verifies: unknown, never taken for signed.
    expect(rows.map((r) => [r.cluster, r.phase, r.insecureSkipVerify])).toEqual([
      ['eu-prod-001', 'Stale', null],
      ['us-prod-001', 'Unknown', null],
      ['eu-stg-001', 'Applied', true],
    ]);
    expect(rows[0]?.stale).toMatchObject(stale);
    // At least as old as it was when the agent last reported: a year.
    expect(rows[0]?.stale?.ageSeconds).toBeGreaterThanOrEqual(366 * 86_400);
    const lines = (await run(['status', '--store', `file:${storeDir}`])).out.split('\n');
    expect(lines.find((l) => l.startsWith('eu-prod-001'))).toMatch(
      /\sStale\s+\?\s+0\.1\.0\s.*pointer generation 1 is \d+d(\d+h)?(\d+m)?(\d+s)? old, expired 2020-01-08T00:00:00\.000Z; pointer expired$/,
    );
    expect(lines.find((l) => l.startsWith('eu-stg-001'))).toMatch(/\sApplied\s+INSECURE\s+0\.2\.0\s/);
    expect(lines.find((l) => l.startsWith('us-prod-001'))).toMatch(/\sUnknown\s+-\s+-\s+never\s/);
  });

  it('collects only blobs that nothing references any more, and nothing on a dry run', async () => {
    const { args, bare, storeDir } = await fleet();
    await run(['hub', 'compile', ...args]);
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'where: "') }, 'rename key');
    await run(['hub', 'compile', ...args]);
    const store = ['--store', `file:${storeDir}`, '--min-age', '0s', '--keep-revisions', '0', '--json'];
    const dry = JSON.parse((await run(['hub', 'gc', ...store, '--dry-run'])).out) as { blobs: number; deleted: string[] };
    expect(dry).toMatchObject({ blobs: 6, dryRun: true });
    expect(dry.deleted).toHaveLength(3);
    const real = JSON.parse((await run(['hub', 'gc', ...store])).out) as { deleted: string[] };
    expect(real.deleted.sort()).toEqual(dry.deleted.sort());
    const status = JSON.parse((await run(['status', '--store', `file:${storeDir}`, '--json'])).out) as { lastError?: string }[];
    expect(status.every((s) => s.lastError === undefined)).toBe(true);
    const again = JSON.parse((await run(['hub', 'gc', ...store, '--keep-revisions', '5'])).out) as { deleted: string[]; blobs: number };
    expect(again).toMatchObject({ blobs: 3, deleted: [] });
  });

  it('refuses a bad flag value with exit 2, saying which', async () => {
    const r = await run(['hub', 'gc', '--store', 'file:/tmp/x', '--min-age', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--min-age "soon" is not a duration');
  });
});
