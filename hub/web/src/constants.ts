/*
 * The two values of hub/src/dashboard/api-types.ts the browser needs at run
 * time (the rest of the contract is types, imported from @driftless/hub).
 * hub/src/dashboard/web-constants.test.ts keeps them equal.
 */

/** The order phases are listed and coloured in, worst first: FleetGrid.phase indexes into it. */
export const CLUSTER_PHASES = ['Failed', 'Degraded', 'Stale', 'Unknown', 'Progressing', 'Applied'] as const;

/** The performance mark set once the overview's counts and grid are drawn from the first summary. */
export const FLEET_PAINTED_MARK = 'driftless:fleet-painted';
