import type { Logger } from '@openfeature/core';
import { FeatureFlag, type Flag } from '@openfeature/flagd-core';
import type { TargetingValidator } from '@driftless/core';

/**
 * Why flagd would refuse a flag's targeting (JsonLogic), or undefined when it
 * accepts it. Asked of flagd's own evaluator (`@openfeature/flagd-core`), the
 * one apps run: it knows flagd's operators (fractional, sem_ver,
 * starts_with, ...), so what passes here is what an app can parse. flagd only
 * logs a rule it cannot parse and then answers every evaluation with an
 * error, so the compile must refuse it instead. Lives in the hub, so agents
 * (which load core) never load the evaluator.
 */
export const flagdTargetingProblem: TargetingValidator = (key, variants, defaultVariant, targeting) => {
  const warnings: string[] = [];
  const logger: Logger = { error: (m: unknown) => warnings.push(String(m)), warn: (m: unknown) => warnings.push(String(m)), info: () => undefined, debug: () => undefined };
  try {
    // flagd's types say a string, but its documents (and its parser) carry targeting as a JSON object.
    const flag = { state: 'ENABLED', variants, defaultVariant, targeting } as unknown as Flag;
    new FeatureFlag(key, flag, logger);
  } catch (err) {
    return `flagd refuses the flag: ${(err as Error).message}`;
  }
  const first = warnings[0];
  if (first === undefined) return undefined;
  return `flagd cannot parse this JsonLogic rule (an unknown operator or malformed arguments; flagd says: ${first})`;
};
