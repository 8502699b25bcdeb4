export { runHubBench, type HubBenchOptions, type HubBenchResult, type HubRunTimes } from './hub-bench.js';
export { runAgentBench, type AgentBenchResult } from './agent-bench.js';
export { runFleetBench, type FleetBenchOptions, type FleetBenchRun } from './fleet/run-fleet-bench.js';
export { writeFleetReport } from './fleet/write-report.js';
export type { BenchMode, FleetBenchReport, FleetBenchResult, Percentiles, RequestTimeline } from './fleet/result.js';
export type { TraceEvent } from './fleet/recorder.js';
export { runDemo, type Demo, type DemoOptions } from './demo/run-demo.js';
