export { compileFleet, DEFAULT_MAX_FILE_BYTES, type CompiledFleet, type CompileMemo, type CompileOptions } from './compile.js';
export { openTreeReader } from './git/git-tree-reader.js';
export { redact, syncGitSource, type GitSnapshot, type GitSourceOptions } from './git/git-source.js';
export { gitRepositorySource, type GitRepositorySourceOptions } from './git/git-repository-source.js';
export { createHub, type CompileReport, type CompileRequest, type Hub, type HubDeps, type HubRenderers, type PreviewsRequest } from './hub.js';
export type { HubLog } from './hub-log.js';
export { nodeHubDeps, type NodeHubOptions } from './node-hub-deps.js';
export * from './serve/index.js';
export { DEFAULT_POINTER_TTL_MS, publishFleet, type PublishMemo, type PublishOptions, type PublishResult } from './publish/publish-fleet.js';
export type { PublishedFlags } from './publish/revision-record.js';
export type { PointerMemo } from './publish/pointer-moves.js';
export { signingKeyId } from './publish/pointer-signing.js';
export { LAST_PUBLISH_KEY, type HubState, type HubStateStore } from './state/hub-state.js';
export { fileHubStateStore } from './state/file-hub-state.js';
export { memoryHubStateStore } from './state/memory-hub-state.js';
export { kustomizeRunner, type KustomizeOptions, type KustomizeRunner } from './render/kustomize.js';
export { helmRunner, type HelmOptions } from './render/helm.js';
export { HELM_KUBE_VERSION, type HelmRenderRequest, type HelmRunner } from './render/helm-runner.js';
export { generateSigningKeyPair, SIGNING_KEY_FILE, VERIFY_KEY_FILE, writeSigningKeyPair } from './signing-keys.js';
export { resignPointers, type ResignOptions, type ResignReport } from './resign.js';
export { collectGarbage, type GcOptions, type GcReport } from './gc.js';
export { fleetStatus, type ClusterStatusRow } from './status-report.js';
export { listPreviews, type PreviewHostPhase, type PreviewListing, type PreviewPhase, type PreviewRow } from './previews/preview-listing.js';
export type { PreviewBase, PreviewChange, PreviewCycleRequest, PreviewsReport } from './previews/preview-types.js';
export { auditSeqOfKey, createAuditLog, type AuditLog, type AuditLogDeps, type AuditReadOptions } from './audit/audit-log.js';
export { freeze, readFreeze, unfreeze, type FreezeResult } from './control/freeze.js';
export { freezeFleet, unfreezeFleet, type FleetFreezeDeps, type FleetFreezeResult, type FleetUnfreezeResult } from './control/fleet-freeze.js';
export {
  createRolloutController,
  type AuditSink,
  type CommandOptions,
  type RolloutController,
  type RolloutControllerDeps,
  type RolloutMachine,
  type StepReport,
} from './rollout/rollout-controller.js';
export { coreRolloutMachine } from './rollout/core-machine.js';
export { createMetricObserver, DEFAULT_METRIC_BUDGET_MS, DEFAULT_METRIC_CONCURRENCY, requireMetricSource, type MetricObserver, type MetricObserverOptions, type MetricRead, type MetricReadCounts, type MetricReadings } from './rollout/metric-observer.js';
export { createStatusObserver, type ObserverRequests, type StatusObserver } from './rollout/status-observer.js';
export { readCurrentRollout, readCurrentRolloutDocument, readRollout, ROLLOUT_CAS_ATTEMPTS, type Versioned } from './rollout/rollout-store.js';
export { summarizeRolloutWithFreeze, type RolloutSummary } from './rollout/rollout-summary.js';
export { checkStatuses, movedClusters, rolloutStatusDocument, type AgentPhaseCount, type CheckStatus, type RingStatus, type RolloutStatusDocument } from './rollout/rollout-status-document.js';
export { flagReport, readLastRevisionRecord, type FlagReport, type FlagReportRow } from './flags/flag-report.js';
export { clearFlagOverride, setFlagOverride, type FlagOverrideDeps, type FlagOverrideResult, type SetFlagOverrideRequest } from './flags/flag-override.js';
export { readFlagOverrides } from './flags/flag-overrides-store.js';
export * from './previews/index.js';
export { CLUSTER_PHASES, FLEET_PAINTED_MARK } from './dashboard/api-types.js';
export type * from './dashboard/api-types.js';
export { createDashboard, type Dashboard, type DashboardAuth, type DashboardDeps, type DashboardHandler } from './dashboard/dashboard-listener.js';
export { parseTokensFile, readTokensFile } from './dashboard/tokens-file.js';
export { createFleetSummary, type FleetSnapshot, type FleetSummaryDeps, type FleetSummarySource } from './dashboard/fleet-summary.js';
export type { EtagReadCounts } from './rollout/etag-reads.js';
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './dashboard/dashboard-server.js';
