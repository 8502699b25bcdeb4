import { applyRolloutCommand, startRollout, stepRollout, supersedeRollout } from '@driftless/core';
import type { RolloutMachine } from './rollout-controller.js';

/** The rollout state machine every hub runs: core's pure functions (DESIGN.md, Delivery). Tests inject others through HubDeps.machine. */
export const coreRolloutMachine: RolloutMachine = {
  start: startRollout,
  step: stepRollout,
  command: applyRolloutCommand,
  supersede: supersedeRollout,
};
