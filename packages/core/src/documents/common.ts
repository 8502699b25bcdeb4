import { z } from 'zod';
import { DriftlessError } from '../errors.js';

/** The one apiVersion of every Driftless document this version writes and reads. */
export const API_VERSION = 'driftless.dev/v1alpha1' as const;

/** `apiVersion` that must be {@link API_VERSION}; the message names what was found instead. */
export const apiVersionField = z.literal(API_VERSION, {
  error: (iss) => `unsupported apiVersion ${JSON.stringify(iss.input)}; this reader understands ${API_VERSION}`,
});

/** `kind` that must be `kind`; the message names what was found instead. */
export function kindField<K extends string>(kind: K): z.ZodLiteral<K> {
  return z.literal(kind, { error: (iss) => `expected kind ${kind}, got ${JSON.stringify(iss.input)}` });
}

/**
 * A cluster name: lowercase alphanumerics, `-` and `.`, starting and ending
 * alphanumeric, at most 253 characters (a Kubernetes DNS subdomain). It becomes
 * part of store keys, so it can never contain `/`.
 */
export const clusterNameField = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain: lowercase a-z, 0-9, "-" and "."');

/** A content digest, `sha256:` and 64 lowercase hex digits. */
export const digestField = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: followed by 64 lowercase hex digits');

/** A git commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. */
export const revisionField = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full git commit id (40 or 64 hex digits)');

/** An RFC 3339 timestamp in UTC, e.g. `2026-11-22T10:00:00.000Z`. */
export const timestampField = z.iso.datetime({ offset: false });

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(document)' : out;
}

/**
 * Validates `value` against `schema`. On failure throws a stalled
 * `InvalidDocument` error whose message names `subject` and every wrong field,
 * e.g. `pointer clusters/a/desired.json read failed: generation: Too small…`.
 */
export function parseDocument<T>(schema: z.ZodType<T>, value: unknown, subject: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
  throw new DriftlessError(
    'InvalidDocument',
    `${subject} read failed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { subject, issues },
  );
}

/** Parses UTF-8 JSON bytes; malformed UTF-8 or JSON is a stalled `InvalidDocument` naming `subject`. */
export function parseJson(bytes: Uint8Array, subject: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (err) {
    const message = `not JSON: ${(err as Error).message}`;
    throw new DriftlessError(
      'InvalidDocument',
      `${subject} read failed: ${message}`,
      { subject, issues: [{ path: '(document)', message }] },
      { cause: err },
    );
  }
}

/** {@link parseJson}, then {@link parseDocument}. */
export function parseJsonDocument<T>(schema: z.ZodType<T>, bytes: Uint8Array, subject: string): T {
  return parseDocument(schema, parseJson(bytes, subject), subject);
}
