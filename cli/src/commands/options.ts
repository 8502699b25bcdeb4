import { access, constants, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, parseSigningKey, parseVerifyKey, pointerSchema } from '@driftless/core';
import type { KeyObject } from 'node:crypto';
import { UsageError } from '../errors.js';

/** `--min-age 1h` and friends: a duration flag in ms, or a UsageError naming the flag. */
export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`${flag} ${JSON.stringify(value)} is not a duration (use e.g. 500ms, 30s, 5m, 1h)`);
  return ms;
}

/**
 * A cluster name flag (`--cluster`), validated as the store's documents are: it
 * becomes part of store keys and Lease names, so `../b` or `Prod_1` must never
 * reach them. Otherwise a UsageError naming the flag.
 */
export function clusterFlag(flag: string, value: string): string {
  if (pointerSchema.shape.cluster.safeParse(value).success) return value;
  throw new UsageError(
    `${flag} ${JSON.stringify(value)} is not a cluster name: must be a DNS subdomain (lowercase a-z, 0-9, "-" and ".", starting and ending alphanumeric, at most 253 characters)`,
  );
}

/** A whole number flag at least `min`, or a UsageError naming it. */
export function integerFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${JSON.stringify(value)} must be a whole number of at least ${min}`);
  return n;
}

/** The Ed25519 private key in a PEM file (`--sign-key`). */
export async function signingKeyFlag(path: string, flag = '--sign-key'): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new UsageError(`${flag} ${path} cannot be read: ${(err as Error).message}`);
  });
  return parseSigningKey(pem);
}

/** The Ed25519 public key in a PEM file (`--verify-key`); an unreadable file or a wrong key is a UsageError naming the flag and file. */
export async function verifyKeyFlag(path: string, flag = '--verify-key'): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new UsageError(`${flag} ${path} cannot be read: ${(err as Error).message}`);
  });
  try {
    return parseVerifyKey(pem);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: ${(err as Error).message}`);
  }
}

/** Commander's accumulator for a repeatable flag (`--verify-key A --verify-key B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `$DRIFTLESS_CACHE` or `~/.cache/driftless`: where the hub keeps its git clones. */
export function defaultCacheDir(): string {
  const fromEnv = process.env['DRIFTLESS_CACHE'];
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'driftless');
}

/** The kustomize binary the user named: `--kustomize`, else `$DRIFTLESS_KUSTOMIZE`; undefined when neither is set. */
export function explicitKustomizeBinary(flag: string | undefined): string | undefined {
  return flag || process.env['DRIFTLESS_KUSTOMIZE'] || undefined;
}

/**
 * The kustomize binary: `--kustomize`, else `$DRIFTLESS_KUSTOMIZE`, else the one
 * `npm run setup` built into the cache when present, else `kustomize` on PATH.
 */
export async function kustomizeBinary(flag: string | undefined): Promise<string> {
  return explicitKustomizeBinary(flag) ?? (await setupBinary('kustomize'));
}

/** The helm binary the user named: `--helm`, else `$DRIFTLESS_HELM`; undefined when neither is set. */
export function explicitHelmBinary(flag: string | undefined): string | undefined {
  return flag || process.env['DRIFTLESS_HELM'] || undefined;
}

/**
 * The helm binary: `--helm`, else `$DRIFTLESS_HELM`, else the one `npm run
 * setup` built into the cache when present, else `helm` on PATH.
 */
export async function helmBinary(flag: string | undefined): Promise<string> {
  return explicitHelmBinary(flag) ?? (await setupBinary('helm'));
}

/** The component binary `npm run setup` built into the cache when it is there, else the bare name (found on PATH). */
async function setupBinary(name: 'kustomize' | 'helm'): Promise<string> {
  const { binaryPath } = await import('@driftless/testkit');
  const built = binaryPath(name);
  return (await access(built, constants.X_OK).then(
    () => true,
    () => false,
  ))
    ? built
    : name;
}
