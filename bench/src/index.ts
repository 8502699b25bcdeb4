export { runHubBench, type HubBenchOptions, type HubBenchResult, type HubRunTimes } from './hub-bench.js';
