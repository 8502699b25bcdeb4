import { performance } from 'node:perf_hooks';
import { startRollout, stepRollout, rolloutSchema, canonicalBytes, deliverySpecSchema, resolveDeliveryPlan } from '@driftless/core';
const N = 10000;
const parsed = deliverySpecSchema.parse({ mode: 'continuous-deployment', rings: [{ name: 'ring-0', selector: { matchLabels: { ring: '0' } }, soak: '30s' }, { name: 'ring-1', selector: { matchLabels: { ring: '1' } }, soak: '30s' }, { name: 'ring-2', selector: {}, maxConcurrent: '25%', soak: '30s' }] });
const plan = resolveDeliveryPlan(parsed);
const d = (i, v) => 'sha256:' + (v + String(i)).padStart(64, '0');
const clusters = new Map();
for (let i = 0; i < N; i++) clusters.set(`c-${String(i).padStart(5, '0')}`, { ring: i % 10 === 0 ? 0 : i % 10 === 1 ? 1 : 2, to: d(i, 'b'), from: d(i, 'a'), statefulChanged: false });
const t0 = Date.UTC(2026, 0, 1);
let t = startRollout({ id: '20260101T000000Z-abcdefabcdef', revision: 'abcdefabcdef'.padEnd(40, '0'), plan, clusters }, { statuses: new Map() }, t0);
let state = t.state;
const statuses = new Map();
for (const [name] of clusters) statuses.set(name, { phase: 'Applied', observedGeneration: 1, appliedBundle: d(Number(name.slice(2)), 'a'), heartbeatAt: new Date(t0).toISOString() });
const time = (label, fn) => { const w = performance.now(); const r = fn(); console.log(label, Math.round(performance.now() - w), 'ms'); return r; };
for (let k = 0; k < 3; k++) {
  const bytes = time('canonicalBytes(parse)', () => canonicalBytes(rolloutSchema.parse(state)));
  console.log('bytes', bytes.length);
  const doc = time('JSON.parse + rolloutSchema.parse', () => rolloutSchema.parse(JSON.parse(new TextDecoder().decode(bytes))));
  time('stepRollout (no change)', () => stepRollout(doc, { statuses }, t0 + 1000 * (k + 1)));
}
