import { createHash } from 'node:crypto';
import {
  compileError,
  FLAG_EXPIRY_WARNING_DAYS,
  flagDaysToExpiry,
  LAST_CHANGE_BLOB,
  parseFlagFiles,
  resolveFlagVariant,
  TEMPORARY_FLAG_TYPES,
  type Cluster,
  type FlagDefinition,
  type Fleet,
  type RepoReader,
  type RingAssignment,
} from '@driftless/core';
import { flagdTargetingProblem } from './flags/flagd-targeting.js';

/** What a compile resolved of `flags/*.yaml` (issue 14): what the revision record and `driftless flags` build on. */
export interface CompiledFlags {
  /** Every flag, sorted by key. */
  readonly definitions: readonly FlagDefinition[];
  /** Cluster name -> flag key -> the variant Git gives that cluster. */
  readonly variantOf: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Flag key -> the commit that last changed its file. */
  readonly commitOf: ReadonlyMap<string, string>;
  /** Every cluster's labels: what the revision record keeps for `driftless flag set --selector`. */
  readonly labels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Every flag file's path, object id and last-change commit: unchanged exactly when no cluster's flags can change. */
  readonly fingerprint: string;
  /** Flags that expire within FLAG_EXPIRY_WARNING_DAYS (`file: flag KEY expires on DATE ...`). */
  readonly warnings: readonly string[];
}

/** What reading the flags needs of the compile. */
export interface FlagsInput {
  readonly reader: RepoReader;
  readonly readText: (path: string) => Promise<string>;
  readonly fleet: Fleet;
  readonly clusters: readonly Cluster[];
  readonly rings: RingAssignment | undefined;
  /** The compile's clock, ms since the epoch: what expiry is judged by. */
  readonly now: number;
  /** `--allow-expired-flags`: compile an expired temporary flag (still warned about). */
  readonly allowExpired: boolean;
  /** What the previous compile found (from the trusted memo): the last-change walks stop at its commit. */
  readonly known?: FlagsMemo;
}

/** What a compile remembers of its flag files: the commit it compiled and each file's last change as of it. */
export interface FlagsMemo {
  readonly commit: string;
  /** Flag file path -> the commit that last changed it (or `blob:<oid>`), as of `commit`. */
  readonly changes: Readonly<Record<string, string>>;
}

/**
 * Reads and validates `flags/*.yaml`, finds each file's last-change commit,
 * and resolves every cluster's variant of every flag (its ring from the ring
 * assignment). Undefined when the repository has no flag file. An expired
 * temporary flag is an `InvalidDocument` naming its file unless allowExpired;
 * so is a subdirectory of flags/ (its files would be silently ignored).
 */
export async function readFlags(input: FlagsInput): Promise<CompiledFlags | undefined> {
  const entries = await input.reader.list('flags');
  const subdirectory = entries.find((e) => e.type === 'dir');
  if (subdirectory) throw compileError(subdirectory.path, undefined, 'flag files are named flags/<key>.yaml, directly in flags/: a subdirectory is not read (move its flag files up)');
  const listed = entries.filter((e) => e.type !== 'dir');
  const misnamed = listed.find((e) => e.path.endsWith('.yml'));
  if (misnamed) throw compileError(misnamed.path, undefined, 'flag files are named flags/<key>.yaml (rename .yml to .yaml)');
  const files = listed.filter((e) => e.path.endsWith('.yaml'));
  if (files.length === 0) return undefined;
  const texts = await Promise.all(files.map(async (f) => ({ path: f.path, text: await input.readText(f.path) })));
  const ringNames = input.fleet.spec.delivery?.rings.map((r) => r.name);
  const definitions = parseFlagFiles(texts, { validateTargeting: flagdTargetingProblem, ...(ringNames === undefined ? {} : { rings: ringNames }) });
  const known = (file: string) => {
    const change = input.known?.changes[file];
    // A `blob:` answer is not reused: the history may be at hand now (another walk deepened the clone), and a hub without a memo would answer with the commit (review 14b #8).
    return input.known === undefined || change === undefined || change.startsWith(LAST_CHANGE_BLOB) ? undefined : { at: input.known.commit, change };
  };
  const commits = await Promise.all(definitions.map(async (d) => [d.key, (await input.reader.lastChange(d.file, known(d.file))) ?? input.reader.commit] as const));
  const commitOf = new Map(commits);
  const warnings = [...expiryProblems(definitions, input.now, input.allowExpired), ...unknownChanges(definitions, commitOf)];
  const variantOf = new Map<string, Map<string, string>>();
  for (const c of input.clusters) {
    const ringIndex = input.rings?.ringOf.get(c.metadata.name);
    const ring = ringIndex === undefined ? undefined : ringNames?.[ringIndex];
    const cluster = { labels: c.metadata.labels, ...(ring === undefined ? {} : { ring }) };
    variantOf.set(c.metadata.name, new Map(definitions.map((d) => [d.key, resolveFlagVariant(d, cluster)])));
  }
  const oids = new Map(files.map((f) => [f.path, f.oid]));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(definitions.map((d) => [d.file, oids.get(d.file), commitOf.get(d.key)])))
    .digest('hex');
  const labels = new Map(input.clusters.map((c) => [c.metadata.name, { ...c.metadata.labels }]));
  return { definitions, variantOf, commitOf, labels, fingerprint, warnings };
}

/** A warning per flag whose last change is past the history the hub's clone holds: its metadata.commit names the file's blob. */
function unknownChanges(definitions: readonly FlagDefinition[], commitOf: ReadonlyMap<string, string>): string[] {
  return definitions.flatMap((d) => {
    const change = commitOf.get(d.key) ?? '';
    if (!change.startsWith(LAST_CHANGE_BLOB)) return [];
    return [`${d.file}: the commit that last changed it is older than the history the hub's clone could fetch, so its metadata.commit is ${change} (the file's object id, the same whatever the clone's depth)`];
  });
}

/**
 * Warnings for temporary flags whose `expires` day is FLAG_EXPIRY_WARNING_DAYS
 * calendar days away or less (flagDaysToExpiry, as `driftless flags` counts);
 * an expired one (past its `expires` day, UTC) throws naming its `expires:`
 * line unless `allowExpired`, when it is a warning too.
 */
function expiryProblems(definitions: readonly FlagDefinition[], now: number, allowExpired: boolean): string[] {
  const warnings: string[] = [];
  for (const d of definitions) {
    if (!TEMPORARY_FLAG_TYPES.has(d.type) || d.expires === undefined) continue;
    const days = flagDaysToExpiry(d.expires, now) ?? 0;
    if (days < 0) {
      const message = `flag ${d.key} (${d.type}, owner ${d.owner}) expired on ${d.expires}`;
      if (!allowExpired) throw compileError(d.file, d.expiresLine, `${message}: remove the flag and its code paths, or move expires later (--allow-expired-flags compiles it anyway)`);
      warnings.push(`${d.file}: ${message} (compiled with --allow-expired-flags)`);
    } else if (days <= FLAG_EXPIRY_WARNING_DAYS) {
      warnings.push(`${d.file}: flag ${d.key} (${d.type}, owner ${d.owner}) expires on ${d.expires}: remove it or move expires later`);
    }
  }
  return warnings;
}

/** The memo of `flags` as compiled at `commit`: what the next compile's last-change walks stop at. */
export function flagsMemo(commit: string, flags: CompiledFlags): FlagsMemo {
  const changes = flags.definitions.flatMap((d) => {
    const change = flags.commitOf.get(d.key);
    return change === undefined ? [] : [[d.file, change] as const];
  });
  return { commit, changes: Object.fromEntries(changes) };
}
