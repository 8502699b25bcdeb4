import type { StepReport } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { collectStepEvents, describeStep, noStepEvents } from './rollout-render.js';

const base: StepReport = { rollout: 'r1', phase: 'Progressing', moved: 0, reverted: 0, changed: true };

describe('describeStep', () => {
  it('says which rings changed phase, from the ring.phase entries the step appended, one line per ring', () => {
    const events = noStepEvents();
    collectStepEvents(events, [
      { actor: 'hub', action: 'ring.phase', subject: 'rollout/r1/ring/ring-0', data: { ring: 'ring-0', from: 'Progressing', to: 'Soaking' } },
      { actor: 'hub', action: 'rollout.completed', subject: 'rollout/r1', data: {} },
    ]);
    collectStepEvents(events, [{ actor: 'hub', action: 'ring.phase', subject: 'rollout/r1/ring/ring-1', data: { ring: 'ring-1', from: 'Soaking', to: 'Succeeded' } }]);
    expect(describeStep(base, events)).toBe('rollout r1: Progressing\nring ring-0: Progressing -> Soaking\nring ring-1: Soaking -> Succeeded\n');
  });

  it('says a step that recorded verdicts only did so, and one that changed nothing that it waits', () => {
    expect(describeStep(base, noStepEvents())).toBe("rollout r1: Progressing\nrecorded agents' verdicts; no ring changed phase\n");
    expect(describeStep({ ...base, changed: false }, noStepEvents())).toBe('rollout r1: Progressing\nnothing to do: waiting for agents, soak or approval\n');
  });
});
