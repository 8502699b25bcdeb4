import { commitMessage, FLEET_SCENARIO, generateFleet, versionsAt, type FleetScenario, type FleetShape } from '@driftless/testkit';

/**
 * The bench's fleet: every app a plain directory (no kustomize build, so git
 * mode's clusters render as cheaply as the hub) declaring its Namespace, so
 * that its bundle applies as is. Both drivers commit it (to the git server,
 * or to a MemoryRepository) and the real hub compiles it.
 */
export function benchFleetShape(clusters: number, apps: number): FleetShape {
  return { clusters, apps, kustomizeApps: 0, namespaces: true };
}

/**
 * Commit `k` of the scenario as the real driver commits it: the repository's
 * files and the commit message; with `delivery`, fleet.yaml's `spec.delivery`
 * (the rollout bench).
 */
export function scenarioCommit(
  k: number,
  clusters: number,
  apps: number,
  scenario: FleetScenario = FLEET_SCENARIO,
  delivery?: Readonly<Record<string, unknown>>,
): { files: Record<string, string>; message: string } {
  const files = generateFleet({ ...benchFleetShape(clusters, apps), versions: versionsAt(k, apps), ...(delivery ? { delivery } : {}) }, scenario);
  return { files, message: commitMessage(k, apps) };
}
