export { COMPONENTS, component, kubernetesStagingReplaces, type ComponentName, type ComponentSpec } from './install/components.js';
export { binaryPath, cacheDir } from './install/cache.js';
export { ComponentBuildError, ensureComponents, type InstallOptions } from './install/install.js';
export { ComponentStartError } from './env/managed-process.js';
export { gitServerStats, startGitServer, type GitServer, type GitRequestKind } from './env/git-server.js';
export { startGitServerProcess, type GitServerProcess, type GitProcessOptions } from './env/git-server-process.js';
export type { KubeInfo } from './env/kube-apiserver.js';
export type { S3Info } from './env/minio.js';
export { registerScrapeTarget, writeScrapeTargets, type PrometheusInfo, type ScrapeTargetGroup } from './env/prometheus.js';
export { waitForQuery, type QuerySample, type WaitForQueryOptions } from './env/wait-for-query.js';
export { startMetricsExporter, type MetricsExporter, type RecordedRequests, type Traffic } from './metrics/metrics-exporter.js';
export { startEnvironment, type Environment, type EnvironmentInfo, type EnvironmentOptions } from './env/environment.js';
export { formatDuration } from './util/text.js';
export { appendCommits, commitFiles, createBareRepo, deleteBranch, mergeBranch, pointBranch, tagCommit } from './git/fixture-repo.js';
export { kubeConfigFor, s3ClientFor, s3StoreFor } from './vitest/clients.js';
export { fixtureFleet } from './fleet/fixture-fleet.js';
export { capabilitiesChart, hooksChart, requiredValueChart, valuesChart, vendoredDependencyChart } from './fleet/helm-charts.js';
export { generateFleet, type FleetShape } from './fleet/generate-fleet.js';
export { WEB_APP, type HelmAppShape } from './fleet/web-chart-app.js';
export {
  appName,
  appsOfCluster,
  appVersion,
  bumpedApp,
  clusterName,
  clustersTouched,
  commitDeadlineMs,
  commitMessage,
  FLEET_SCENARIO,
  scenarioApps,
  scenarioCluster,
  versionsAt,
  type FleetScenario,
  type ScenarioApp,
  type ScenarioAppShape,
  type ScenarioCluster,
  type ScenarioTarget,
} from './fleet/fleet-scenario.js';
export { startEtcd } from './env/etcd.js';
export { startKubeApiserver } from './env/kube-apiserver.js';
export { Reaper } from './env/reaper.js';
export { CHROMIUM_ARGS, chromiumPath, DEBIAN_CHROMIUM, ensureChromium, launchChromium } from './browser/chromium.js';
