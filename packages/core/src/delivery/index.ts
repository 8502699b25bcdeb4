export * from './plan.js';
export * from './rollout-document.js';
export type * from './machine-types.js';
export { startRollout, stepRollout, supersedeRollout } from './machine.js';
export { applyRolloutCommand } from './commands.js';
export { summarizeRollout, type RingSummary } from './summary.js';
export { verdictOf, type ClusterVerdict } from './verdicts.js';
export { revertDue } from './rings.js';
