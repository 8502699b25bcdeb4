import { selectorMatches, type LabelSelector } from '@driftless/core';

/** One target of an app, as in `fleet.yaml`: the first target whose selector matches a cluster decides its overlay and vars. */
export interface ScenarioTarget {
  readonly selector: LabelSelector;
  /** Kustomize apps: the overlay these clusters get, `apps/<app>/overlays/<overlay>`. */
  readonly overlay?: string;
  /** Variables that override the cluster's own for these clusters. */
  readonly vars?: Readonly<Record<string, string>>;
}

/**
 * The synthetic fleet and the benchmark's scenario over it, as data: the one
 * definition that the fleet generator and both bench drivers read (each
 * driver commits the generated repository and the real hub compiles it).
 * Cluster `i` is in ring `i % ringEnvs.length`; commit `k >= 1` bumps app
 * `(k - 1) % apps` (see {@link bumpedApp}).
 */
export interface FleetScenario {
  /** The env of each ring, so each ring is the same share of the fleet. */
  readonly ringEnvs: readonly string[];
  /** Cluster `i`'s region is `regions[floor(i / rings) % regions.length]`. */
  readonly regions: readonly string[];
  /** Each env's `replicas` cluster variable. */
  readonly envReplicas: Readonly<Record<string, string>>;
  /** Targets of app 0, the canary: the first commit bumps it. */
  readonly canaryTargets: readonly ScenarioTarget[];
  /** Targets of every other plain app `a`: `appTargets[a % appTargets.length]`. */
  readonly appTargets: readonly (readonly ScenarioTarget[])[];
  /** Targets of the apps built with kustomize (a base plus overlays). */
  readonly kustomizeTargets: readonly ScenarioTarget[];
  /** The first app built with kustomize, when a fleet shape asks for some. */
  readonly firstKustomizeApp: number;
  /** The app whose ConfigMap names the cluster, so that every cluster's bundle is unique (the worst case for a publish). */
  readonly perClusterApp: number;
  /** Intervals of steady state between the fleet converging on commit 0 and commit 1. */
  readonly steadyIntervals: number;
  /** How long the fleet gets to converge on a commit: this many of the longest jittered intervals plus `slackMs`. */
  readonly deadline: { readonly intervals: number; readonly slackMs: number };
}

const prod: LabelSelector = { matchLabels: { env: 'prod' } };

/**
 * The benchmark's scenario: 60% prod, 30% staging, 10% dev, in ten rings;
 * app 0 goes to ring 0 only, the other apps in turn to prod (3 replicas) and
 * staging and dev, to every cluster, or to all but dev. So with three apps or
 * more, commits 1, 2 and 3 touch 10%, 100% and 90% of the clusters.
 */
export const FLEET_SCENARIO: FleetScenario = {
  ringEnvs: ['prod', 'prod', 'prod', 'prod', 'prod', 'prod', 'staging', 'staging', 'staging', 'dev'],
  regions: ['eu', 'us', 'ap'],
  envReplicas: { prod: '2', staging: '1', dev: '1' },
  canaryTargets: [{ selector: { matchLabels: { ring: '0' } } }],
  appTargets: [
    [{ selector: prod, vars: { replicas: '3' } }, { selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['staging', 'dev'] }] } }],
    [{ selector: {} }],
    [{ selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } }],
  ],
  kustomizeTargets: [{ selector: prod, overlay: 'prod' }, { selector: {} }],
  firstKustomizeApp: 2,
  perClusterApp: 1,
  steadyIntervals: 2,
  deadline: { intervals: 3, slackMs: 30_000 },
};

/** How many apps a fleet has, and how many of them are built with kustomize. */
export interface ScenarioAppShape {
  readonly apps: number;
  /** Default 2. */
  readonly kustomizeApps?: number;
}

/** An app of the scenario's fleet. */
export interface ScenarioApp {
  readonly index: number;
  readonly name: string;
  readonly kustomize: boolean;
  /** Its ConfigMap names the cluster. */
  readonly perCluster: boolean;
  readonly targets: readonly ScenarioTarget[];
}

/** A cluster of the scenario's fleet: what its `clusters/<name>.yaml` says. */
export interface ScenarioCluster {
  readonly name: string;
  readonly labels: { readonly env: string; readonly region: string; readonly ring: string };
  readonly vars: { readonly replicas: string; readonly region: string };
}

/** `c-00042`: the name of cluster `i`. */
export const clusterName = (i: number): string => `c-${String(i).padStart(5, '0')}`;
/** `app-07`: the name of app `i`. */
export const appName = (i: number): string => `app-${String(i).padStart(2, '0')}`;

/** Cluster `i`: its ring, env and region labels and its variables. */
export function scenarioCluster(i: number, s: FleetScenario = FLEET_SCENARIO): ScenarioCluster {
  const rings = s.ringEnvs.length;
  const env = s.ringEnvs[i % rings] ?? 'prod';
  const region = s.regions[Math.floor(i / rings) % s.regions.length] ?? 'eu';
  return {
    name: clusterName(i),
    labels: { env, region, ring: String(i % rings) },
    vars: { replicas: s.envReplicas[env] ?? '1', region: `${region}-${1 + (i % 2)}` },
  };
}

/** The apps of a fleet of this shape, in order. */
export function scenarioApps(shape: ScenarioAppShape, s: FleetScenario = FLEET_SCENARIO): ScenarioApp[] {
  const kustomized = shape.kustomizeApps ?? 2;
  return Array.from({ length: shape.apps }, (_, a) => {
    const kustomize = a >= s.firstKustomizeApp && a < s.firstKustomizeApp + kustomized;
    const targets = kustomize ? s.kustomizeTargets : a === 0 ? s.canaryTargets : (s.appTargets[a % s.appTargets.length] ?? []);
    return { index: a, name: appName(a), kustomize, perCluster: a === s.perClusterApp, targets };
  });
}

/** The apps cluster `labels` gets: those with a target whose selector matches it (as the hub places them). */
export function appsOfCluster(apps: readonly ScenarioApp[], labels: Readonly<Record<string, string>>): ScenarioApp[] {
  return apps.filter((app) => app.targets.some((t) => selectorMatches(t.selector, labels)));
}

/** The app commit `k` bumps: none for commit 0 (it brings the fleet up), then apps 0, 1, 2, … in turn. */
export function bumpedApp(k: number, apps: number): number | undefined {
  return k === 0 ? undefined : (k - 1) % apps;
}

/** The version of app `a` at commit `k`: `1.0.<how many commits up to k bumped it>`. */
export function appVersion(a: number, k: number, apps: number): string {
  const bumps = k === 0 ? 0 : Math.max(0, Math.floor((k - 1 - a) / apps) + 1);
  return `1.0.${bumps}`;
}

/** The versions of the apps commits 1 to `k` bumped (every other app is at `1.0.0`), by app name: `generateFleet`'s `versions`. */
export function versionsAt(k: number, apps: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let j = 1; j <= k; j++) {
    const a = bumpedApp(j, apps) ?? 0;
    out[appName(a)] = appVersion(a, k, apps);
  }
  return out;
}

/** The message of commit `k`. */
export function commitMessage(k: number, apps: number): string {
  const a = bumpedApp(k, apps);
  return a === undefined ? 'fleet' : `bump ${appName(a)}`;
}

/** The clusters (indices, ascending) whose desired state commit `k >= 1` changes: those that get the app it bumps. */
export function clustersTouched(k: number, clusters: number, shape: ScenarioAppShape, s: FleetScenario = FLEET_SCENARIO): number[] {
  const a = bumpedApp(k, shape.apps);
  const app = a === undefined ? undefined : scenarioApps(shape, s)[a];
  if (!app) return [];
  const out: number[] = [];
  for (let i = 0; i < clusters; i++) if (appsOfCluster([app], scenarioCluster(i, s).labels).length > 0) out.push(i);
  return out;
}

/** The longest a commit may take to converge, ms: `deadline.intervals` of the longest jittered interval plus `deadline.slackMs`. */
export function commitDeadlineMs(intervalMs: number, jitter: number, s: FleetScenario = FLEET_SCENARIO): number {
  return s.deadline.intervals * (intervalMs * (1 + jitter)) + s.deadline.slackMs;
}
