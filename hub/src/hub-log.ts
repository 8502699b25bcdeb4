/**
 * Where the hub reports what it did beside its result: one structured event
 * per call (`level`, `msg`, fields), the shape the agent logs too. The CLI
 * passes none (its output is the report); a `hub serve` loop will.
 */
export type HubLog = (event: Record<string, unknown>) => void;

/** A log that drops every event. */
export const quietLog: HubLog = () => undefined;
