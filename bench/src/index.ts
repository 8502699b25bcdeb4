export { runHubBench, type HubBenchOptions, type HubBenchResult, type HubRunTimes } from './hub-bench.js';
export { runAgentBench, type AgentBenchResult } from './agent-bench.js';
