export * from './plan.js';
export * from './rollout-document.js';
export type * from './machine-types.js';
export { startRollout, stepRollout, supersedeRollout } from './machine.js';
export { applyRolloutCommand } from './commands.js';
export { summarizeRollout, type CheckSummary, type RingSummary } from './summary.js';
export { verdictOf, type ClusterVerdict } from './verdicts.js';
export { revertDue } from './rings.js';
export { CHECK_VARIABLES, checkLabelKeys, metricQueries, readingOf, substituteCheckQuery, unknownCheckVariable, type CheckQueryContext, type MetricQuery } from './check-queries.js';
