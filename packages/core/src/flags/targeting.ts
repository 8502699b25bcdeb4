import type { FlagValue } from './flag-definition.js';

/**
 * Why a flag's targeting (JsonLogic) would be refused by the evaluator apps
 * run, or undefined when it is accepted. A port, so that core (which every
 * agent loads) carries no evaluator: the hub passes flagd's (see
 * FlagFileContext.validateTargeting).
 */
export type TargetingValidator = (key: string, variants: Readonly<Record<string, FlagValue>>, defaultVariant: string, targeting: Readonly<Record<string, unknown>>) => string | undefined;
