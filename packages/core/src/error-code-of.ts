import { isDriftlessError } from './errors.js';

/**
 * The DriftlessError code `fn` throws, undefined when it returns, or a
 * description of any other throw: lets table tests compare outcomes in one line.
 */
export function errorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isDriftlessError(err) ? err.code : `not a DriftlessError: ${String(err)}`;
  }
}
