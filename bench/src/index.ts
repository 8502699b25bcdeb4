export { runHubBench, type HubBenchOptions, type HubBenchResult, type HubRunTimes } from './hub-bench.js';
export { runAgentBench, type AgentBenchResult } from './agent-bench.js';
export { measureAgentMemoryPoint, type AgentMemoryPoint } from './agent-memory-bench.js';
export { measureRealAgentMemoryPoint, type RealAgentMemoryPoint } from './agent-memory-real.js';
export { runFleetBench, type FleetBenchOptions, type FleetBenchRun } from './fleet/run-fleet-bench.js';
export { writeBreachReport, writeFleetReport, writeKillSwitchReport, writeRolloutReport } from './fleet/write-report.js';
export { runRolloutBench, type RolloutBenchOptions } from './fleet/rollout-bench.js';
export type { RolloutBenchReport, RolloutBenchResult, RingTiming } from './fleet/rollout-result.js';
export { runBreachBench } from './fleet/rollout-breach.js';
export type { BreachBenchReport, BreachBenchResult } from './fleet/breach-result.js';
export type { GoalFigure, RevertFigure } from './fleet/breach-figures.js';
export { runKillSwitchBench, type KillSwitchBenchOptions } from './fleet/kill-switch.js';
export type { KillSwitchBenchReport, KillSwitchBenchResult } from './fleet/kill-switch-result.js';
export type { PropagationFigure } from './fleet/kill-switch-figures.js';
export type { BenchMode, FleetBenchReport, FleetBenchResult, Percentiles, RequestTimeline } from './fleet/result.js';
// The simulation pieces the demo (cli/src/demo) runs a live fleet with.
export { FleetRecorder, type TraceEvent } from './fleet/recorder.js';
export { startBundleFleet, type BundleFleetOptions, type SimulatedFleet } from './fleet/bundle-fleet.js';
export { observedStore, publishingStore, type ClusterEvents, type ClusterStoreCounts } from './fleet/observed-store.js';
