import { applyRolloutCommand, RING_DEFAULTS, rolloutId, startRollout, stepRollout, type Digest, type Observations, type RingPlan, type Rollout, type RolloutCommand } from '@driftless/core';
import { VirtualClock } from '@driftless/fakes';
import { summarizeRolloutWithFreeze, type RolloutController, type StepReport } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { deliverRelease } from './deliver-release.js';

const NEW: Digest = `sha256:${'1'.repeat(64)}`;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const S = 1_000;
const DASHBOARD = 'http://127.0.0.1:8080/#/rollout';
const ring = (name: string, approval = false): RingPlan => ({ ...RING_DEFAULTS, name, soakMs: 10 * S, approval, checks: [] });
const RING_OF: Record<string, number> = { c0: 0, c1: 1, c2: 2, c3: 2 };

/** The hub's controller as far as deliverRelease sees it: core's machine over one in-memory rollout whose clusters all apply at once. */
function controllerOver(clock: VirtualClock): RolloutController & { current(): Rollout } {
  const clusters = new Map(Object.entries(RING_OF).map(([name, r]) => [name, { ring: r, to: NEW, statefulChanged: false }]));
  const plan = { mode: 'continuous-delivery' as const, onFailure: 'halt' as const, rings: [ring('ring-0'), ring('ring-1'), ring('ring-2', true)], checks: [] };
  let state = startRollout({ id: rolloutId('a'.repeat(40), T0), revision: 'a'.repeat(40), plan, clusters }, { statuses: new Map() }, T0).state;
  const applied = (): Observations => ({
    statuses: new Map(Object.keys(RING_OF).map((c) => [c, { phase: 'Applied' as const, observedGeneration: 1, heartbeatAt: new Date(clock.now()).toISOString(), appliedBundle: NEW }])),
  });
  const report = (): StepReport => ({ rollout: state.id, phase: state.phase, moved: 0, reverted: 0, changed: true });
  const step = (): Promise<StepReport> => {
    state = stepRollout(state, applied(), clock.now()).state;
    return Promise.resolve(report());
  };
  return {
    current: () => state,
    step,
    command: (cmd: RolloutCommand) => {
      state = applyRolloutCommand(state, cmd, clock.now()).state;
      return step();
    },
    status: () => Promise.resolve({ rollout: state, summary: summarizeRolloutWithFreeze(state, undefined) }),
    start: () => Promise.reject(new Error('not used by deliverRelease')),
    commit: () => Promise.reject(new Error('not used by deliverRelease')),
  };
}

/** Runs deliverRelease to its end in virtual time; `onLog` sees each line as it is logged. */
async function deliver(
  approveAfterMs: number,
  onLog: (line: string, clock: VirtualClock, controller: RolloutController) => void = () => undefined,
  wrap: (c: ReturnType<typeof controllerOver>) => ReturnType<typeof controllerOver> = (c) => c,
) {
  const clock = new VirtualClock(T0);
  const controller = wrap(controllerOver(clock));
  const lines: { line: string; at: number }[] = [];
  let done = false;
  const run = deliverRelease({
    controller,
    clock,
    stepMs: S,
    approveAfterMs,
    dashboardUrl: DASHBOARD,
    signal: new AbortController().signal,
    log: (line) => {
      lines.push({ line, at: clock.now() });
      onLog(line, clock, controller);
    },
    status: () => undefined,
  }).finally(() => (done = true));
  await clock.advance(T0 + 60 * 60 * S, () => done);
  return { rollout: await run, lines, ring2: controller.current().rings[2] };
}

describe('deliverRelease', () => {
  it('leaves ring-2 to a person in the dashboard, keeps stepping, and says who approved it', async () => {
    const { rollout, lines, ring2 } = await deliver(60 * S, (line, clock, controller) => {
      // alice reads the prompt and approves 20 s later, as the dashboard's POST would.
      if (line.startsWith('approve ring-2 in the dashboard'))
        void clock.sleep(20 * S).then(() => controller.command({ kind: 'approve', ring: 'ring-2', actor: 'alice', reason: 'looks good' }));
    });
    expect(rollout?.phase).toBe('Completed');
    expect(ring2?.approval?.actor).toBe('alice');
    expect(lines.map((l) => l.line)).toEqual([`approve ring-2 in the dashboard (${DASHBOARD}), or the demo approves it itself in 60s`, 'ring-2 approved by alice']);
  });

  it('approves ring-2 itself once nobody did within the delay, as demo', async () => {
    const { rollout, lines, ring2 } = await deliver(60 * S);
    expect(rollout?.phase).toBe('Completed');
    const [prompt, answer] = lines;
    expect(prompt?.line).toBe(`approve ring-2 in the dashboard (${DASHBOARD}), or the demo approves it itself in 60s`);
    expect(answer?.line).toBe('nobody approved ring-2 within 60s: the demo approves it itself (as demo)');
    expect(ring2?.approval?.actor).toBe('demo');
    // Not a step earlier: the full delay after the prompt.
    expect(Date.parse(ring2?.approval?.at ?? '')).toBe((prompt?.at ?? 0) + 60 * S);
  });

  it('approves at once with no delay, as the demo did before the dashboard', async () => {
    const { rollout, lines, ring2 } = await deliver(0);
    expect(rollout?.phase).toBe('Completed');
    expect(lines.map((l) => l.line)).toEqual(['approve ring-2? [y/N] … demo answers: y (as demo)']);
    expect(ring2?.approval?.actor).toBe('demo');
    expect(Date.parse(ring2?.approval?.at ?? '')).toBe(lines[0]?.at);
  });

  it('takes a refusal of its own approval as a person having approved first, and names them', async () => {
    let commands = 0;
    const { rollout, lines, ring2 } = await deliver(60 * S, undefined, (c) => ({
      ...c,
      // bob's POST lands between the demo's read of the rollout and its own approve.
      command: async (cmd) => {
        commands++;
        if (cmd.actor === 'demo') await c.command({ kind: 'approve', ring: 'ring-2', actor: 'bob', reason: 'ship it' });
        return c.command(cmd);
      },
    }));
    expect(rollout?.phase).toBe('Completed');
    expect(commands).toBe(1);
    expect(ring2?.approval?.actor).toBe('bob');
    expect(lines.map((l) => l.line).slice(1)).toEqual(['nobody approved ring-2 within 60s: the demo approves it itself (as demo)', 'ring-2 approved by bob']);
  });
});
