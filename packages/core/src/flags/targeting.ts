import type { Logger } from '@openfeature/core';
import { FeatureFlag, type Flag } from '@openfeature/flagd-core';
import type { FlagValue } from './flag-definition.js';

/**
 * Why flagd would refuse a flag's targeting (JsonLogic), or undefined when it
 * accepts it. Asked of flagd's own evaluator (`@openfeature/flagd-core`), the
 * one apps run: it knows flagd's operators (fractional, sem_ver,
 * starts_with, ...), so what passes here is what an app can parse. flagd only
 * logs a rule it cannot parse and then answers every evaluation with an
 * error, so the compile must refuse it instead.
 */
export function targetingProblem(key: string, variants: Readonly<Record<string, FlagValue>>, defaultVariant: string, targeting: Readonly<Record<string, unknown>>): string | undefined {
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
}
