/**
 * Server-side apply as the in-memory API server approximates it, without
 * schemas. A manager owns the field paths of its last applied configuration:
 * every leaf (scalar, null, empty map, or a list that is not keyed), plus each
 * item of a keyed list. A list is keyed when every element is an object with a
 * string `name` (containers, env, volumes): its items merge by name; any other
 * list is atomic, replaced whole. Real SSA knows each list's keys from the
 * schema (ports by containerPort, volumeMounts by mountPath); the difference
 * only shows when two managers write items of the same list.
 *
 * Applying `config` as `manager` with force:
 * - every other manager loses the paths `config` sets to a different value
 *   (same value: shared ownership), and any path under a leaf `config` sets;
 * - `config` is merged into the live object (maps recursively, keyed lists by
 *   name, everything else replaced);
 * - paths the manager owned before and no longer sets are removed, unless
 *   a manager still owns them or something under them; maps and lists
 *   left empty by a removal are removed too, as the API server omits them;
 * - the manager then owns exactly the paths of `config`; a manager left with
 *   nothing is forgotten.
 *
 * Ownership is kept as a flat string list `[manager, paths, manager, paths…]`
 * (paths sorted and joined) so that a stored object costs two strings per
 * manager, not a tree of objects.
 */

type Json = Record<string, unknown>;

const SEG = '\u0000';
const PATHS = '\u0001';
const ITEM = '\u0002';

/** What an apply produced: the merged object (the live one, changed in place) and the new owners list. */
export interface ApplyOutcome {
  readonly object: Json;
  readonly owners: string[];
}

/**
 * Applies `config` (only the fields the manager sets: no apiVersion, kind,
 * name, namespace, server-set metadata or subresource status) onto `live` as
 * `manager`, with force. `live` is modified and returned; `owners` is not.
 */
export function serverSideApply(live: Json, config: Json, manager: string, owners: readonly string[]): ApplyOutcome {
  const paths: string[] = [];
  pathsOf(config, '', paths);
  paths.sort();
  const mine = new Set(paths);
  const before = new Map<string, string[]>();
  for (let i = 0; i + 1 < owners.length; i += 2) before.set(owners[i] ?? '', (owners[i + 1] ?? '').split(PATHS).filter(Boolean));
  const previous = before.get(manager) ?? [];
  before.delete(manager);

  const others = new Map<string, string[]>();
  for (const [other, owned] of before) {
    others.set(other, owned.filter((q) => !conflicts(q, mine, live, config)));
  }
  mergeInto(live, config);
  const removed = previous.filter((p) => !mine.has(p));
  if (removed.length > 0) {
    const owned = [paths, ...others.values()];
    // Kept while anyone sets it or something under it (an empty map that now has keys).
    for (const p of removed) if (!owned.some((list) => list.some((q) => q === p || q.startsWith(p + SEG)))) removeAt(live, p.split(SEG));
  }

  const next: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i + 1 < owners.length; i += 2) {
    const name = owners[i] ?? '';
    seen.add(name);
    const owned = name === manager ? paths : (others.get(name) ?? []);
    if (owned.length > 0) next.push(name, owned.join(PATHS));
  }
  if (!seen.has(manager) && paths.length > 0) next.push(manager, paths.join(PATHS));
  return { object: live, owners: next };
}

/** The managers in an owners list, in order. */
export function managersOf(owners: readonly string[]): string[] {
  return owners.filter((_, i) => i % 2 === 0);
}

function conflicts(q: string, mine: ReadonlySet<string>, live: Json, config: Json): boolean {
  if (mine.has(q)) {
    const segs = q.split(SEG);
    return JSON.stringify(valueAt(live, segs)) !== JSON.stringify(valueAt(config, segs));
  }
  // Under a leaf the manager now sets whole (a scalar or an atomic list where a map was).
  for (let at = q.indexOf(SEG); at >= 0; at = q.indexOf(SEG, at + 1)) {
    const ancestor = q.slice(0, at);
    if (mine.has(ancestor) && !lastSegment(ancestor).startsWith(ITEM)) return true;
  }
  return false;
}

const lastSegment = (path: string): string => path.slice(path.lastIndexOf(SEG) + 1);

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function isKeyedList(v: unknown): v is Json[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isRecord(e) && typeof e['name'] === 'string');
}

function pathsOf(value: unknown, prefix: string, out: string[]): void {
  const join = (seg: string): string => (prefix ? `${prefix}${SEG}${seg}` : seg);
  if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) pathsOf(v, join(k), out);
  } else if (isKeyedList(value)) {
    for (const item of value) {
      const at = join(ITEM + String(item['name']));
      out.push(at);
      pathsOf(item, at, out);
    }
  } else if (prefix) {
    out.push(prefix);
  }
}

function child(node: unknown, seg: string): unknown {
  if (seg.startsWith(ITEM)) return Array.isArray(node) ? node.find((e) => isRecord(e) && e['name'] === seg.slice(1)) : undefined;
  return isRecord(node) ? node[seg] : undefined;
}

function valueAt(root: Json, segs: readonly string[]): unknown {
  let node: unknown = root;
  for (const seg of segs) node = child(node, seg);
  return node;
}

function mergeInto(target: Json, config: Json): void {
  for (const [k, v] of Object.entries(config)) {
    const cur = target[k];
    if (isRecord(v) && isRecord(cur)) mergeInto(cur, v);
    else if (isKeyedList(v) && isKeyedList(cur)) target[k] = mergeList(cur, v);
    else target[k] = v;
  }
}

/** The applied items in the applied order, merged into their live versions; then live items of other managers. */
function mergeList(cur: Json[], config: Json[]): Json[] {
  const byName = new Map(cur.map((e) => [String(e['name']), e]));
  const out = config.map((e) => {
    const live = byName.get(String(e['name']));
    if (!live) return e;
    byName.delete(String(e['name']));
    mergeInto(live, e);
    return live;
  });
  return [...out, ...byName.values()];
}

/** Removes the field at `segs`; then removes maps and lists that became empty, up to (not including) the top level. */
function removeAt(node: unknown, segs: readonly string[]): boolean {
  const [seg, ...rest] = segs;
  if (seg === undefined) return false;
  if (seg.startsWith(ITEM)) {
    if (!Array.isArray(node)) return false;
    const i = node.findIndex((e) => isRecord(e) && e['name'] === seg.slice(1));
    if (i < 0) return false;
    if (rest.length === 0 || removeAt(node[i], rest)) node.splice(i, 1);
    return node.length === 0;
  }
  if (!isRecord(node) || !Object.hasOwn(node, seg)) return false;
  if (rest.length === 0 || removeAt(node[seg], rest)) delete node[seg];
  return Object.keys(node).length === 0;
}
