import { DriftlessError } from '@driftless/core';

/** `TooLarge` for an object over a reader's `maxBytes`, refused before it is read into memory. */
export function tooLargeObject(key: string, limitBytes: number): DriftlessError<'TooLarge'> {
  return new DriftlessError('TooLarge', `object ${key} read failed: it is larger than the limit of ${limitBytes} bytes`, {
    subject: key,
    limitBytes,
    what: 'object',
  });
}
