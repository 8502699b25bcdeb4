import { compileError } from '../fleet/yaml-documents.js';
import type { FlagDefinition } from './flag-definition.js';
import { parseFlagFile, type FlagFileContext } from './flag-file.js';

/** One file under `flags/` of the fleet repository. */
export interface FlagFileText {
  /** Repository path, `flags/<key>.yaml`. */
  readonly path: string;
  readonly text: string;
}

/**
 * Parses every flag file (see parseFlagFile) and refuses a name clash: two
 * files whose keys differ only in case (apps and file systems that ignore
 * case would mix them up). Flags come back sorted by key.
 */
export function parseFlagFiles(files: readonly FlagFileText[], ctx: FlagFileContext = {}): FlagDefinition[] {
  const byFolded = new Map<string, string>();
  const out: FlagDefinition[] = [];
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const flag = parseFlagFile(f.text, f.path, ctx);
    const other = byFolded.get(flag.key.toLowerCase());
    if (other !== undefined) throw compileError(f.path, 1, `flag ${flag.key} clashes with ${other}: flag keys must differ by more than case`);
    byFolded.set(flag.key.toLowerCase(), f.path);
    out.push(flag);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
