import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { PreviewProbe } from './previews-probe.js';

const NS = 'pr-feature-bench';
const bytes = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));
const pointer = (previews?: string): Uint8Array => bytes({ kind: 'Pointer', cluster: 'h1', bundle: 'sha256:a', ...(previews ? { previews } : {}) });
const status = (appliedPreviews: string | undefined, phase: string): Uint8Array =>
  bytes({ kind: 'Status', cluster: 'h1', appliedBundle: 'sha256:a', ...(appliedPreviews ? { appliedPreviews } : {}), apps: { [`${NS}/app-01`]: { phase } } });

function setup() {
  const clock = new VirtualClock(1_000);
  const probe = new PreviewProbe(clock, ['h1'], `${NS}/app-01`, NS);
  const store = new MemoryObjectStore({ clock });
  return { clock, probe, hub: probe.hubStore(store), agent: probe.clusterStore(store) };
}

describe('the preview probe', () => {
  it('times Applied only from a status naming the pointer previews bundle with the app Applied, and only once armed', async () => {
    const { clock, probe, hub, agent } = setup();
    await hub.put('clusters/h1/desired.json', pointer('sha256:p1'));
    await agent.put('clusters/h1/status.json', status('sha256:p1', 'Applied'));
    expect(probe.appliedAt.size).toBe(0);
    probe.armPush();
    await clock.advance(2_000);
    await agent.put('clusters/h1/status.json', status('sha256:p1', 'Progressing'));
    await hub.put('clusters/h1/desired.json', pointer('sha256:p2'));
    await agent.put('clusters/h1/status.json', status('sha256:p1', 'Applied'));
    expect(probe.appliedAt.size).toBe(0);
    expect(probe.pointerAt.get('h1')).toBe(2_000);
    await clock.advance(5_000);
    await agent.put('clusters/h1/status.json', status('sha256:p2', 'Applied'));
    expect(probe.appliedAt.get('h1')).toBe(5_000);
    expect(probe.done()).toBe(true);
  });

  it('times the namespace gone at the first request after it left the host API, not before the delete is armed', async () => {
    const { clock, probe } = setup();
    const inner = new MemoryKubeTarget({ clock, controllers: 'instant' });
    const kube = probe.wrapKube('h1', inner);
    expect(probe.wrapKube('other', inner)).toBe(inner);
    await kube.list('v1', 'Namespace', '');
    probe.armDelete();
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, 'bench');
    expect(probe.goneAt.size).toBe(0);
    await clock.advance(3_000);
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: NS });
    expect(probe.goneAt.get('h1')).toBe(3_000);
  });
});
