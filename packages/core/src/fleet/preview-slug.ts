import { digestHex, digestOf } from '../digest.js';

/** A namespace is a DNS label (RFC 1123): at most this many characters. */
export const MAX_NAMESPACE_LENGTH = 63;
/** Hex digits of sha256(branch name) in a slug's suffix, when it needs one. */
export const SLUG_HASH_LENGTH = 6;
/**
 * The fewest characters a namespace template must leave for each
 * `${branch.slug}`: a hash suffix and a few characters of the name, so a
 * shortened slug still says which branch it is.
 */
export const MIN_SLUG_ROOM = 12;

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const SLUG_VARIABLE = 'branch.slug';

/** A preview's names: its slug and the namespace rendered from the template with it. */
export interface PreviewName {
  readonly slug: string;
  readonly namespace: string;
}

/**
 * A branch name made DNS-safe, without any suffix: lowercase, every run of
 * characters outside a-z and 0-9 becomes one `-`, no `-` at either end
 * (`feature/Login_Form` -> `feature-login-form`). Empty for a name of only
 * symbols; {@link previewSlugs} gives such a branch a hash-only slug.
 */
export function branchSlug(branch: string): string {
  return branch.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** `template` with every `${branch.slug}` replaced by `slug` (`$${…}` stays a literal `${…}`). */
export function renderPreviewNamespace(template: string, slug: string): string {
  return template.replace(REFERENCE, (match, escape: string, name: string) => {
    if (escape === '$') return match.slice(1);
    return name.trim() === SLUG_VARIABLE ? slug : match;
  });
}

/**
 * How many characters each `${branch.slug}` of `template` may take so the
 * namespace stays within {@link MAX_NAMESPACE_LENGTH}: what the rest of the
 * template leaves, shared by its slug references. Infinity without one.
 */
export function slugRoom(template: string): number {
  const uses = [...template.matchAll(REFERENCE)].filter((m) => m[1] !== '$' && m[2]?.trim() === SLUG_VARIABLE).length;
  if (uses === 0) return Number.POSITIVE_INFINITY;
  const fixed = renderPreviewNamespace(template, '').length;
  return Math.floor((MAX_NAMESPACE_LENGTH - fixed) / uses);
}

/**
 * The slug and namespace of each branch of `branches` (a Map keyed by branch
 * name; duplicates in the list count once). A slug is {@link branchSlug}
 * unless it is empty, too long for the namespace (see {@link slugRoom}) or
 * shared with another branch of the list: then it is shortened and gets `-`
 * and the first {@link SLUG_HASH_LENGTH} hex digits of sha256(branch name),
 * so `feature/A` and `feature-a` get distinct namespaces. Should two hashed
 * slugs still meet (a hash-prefix collision), those take more hex digits.
 * `existing` (branch -> slug) are the slugs live previews have: a branch of
 * the list keeps its own (when it still fits the template), and only the
 * newcomers that meet one take the suffix, so a new branch never moves a
 * live preview. Pure and deterministic: the result depends on the set of
 * branches and `existing`, never on their order. `template` must be one
 * previewsSpecSchema accepts (its slug room at least {@link MIN_SLUG_ROOM});
 * then every namespace is a DNS label of at most 63 characters.
 */
export function previewSlugs(branches: readonly string[], template: string, existing: ReadonlyMap<string, string> = new Map()): Map<string, PreviewName> {
  const room = Math.min(slugRoom(template), MAX_NAMESPACE_LENGTH);
  const unique = [...new Set(branches)].sort();
  const kept = new Map(unique.flatMap((b) => {
    const slug = existing.get(b);
    return slug !== undefined && slug !== '' && slug.length <= room ? [[b, slug] as const] : [];
  }));
  const taken = new Set(kept.values());
  const fresh = unique.filter((b) => !kept.has(b));
  const base = new Map(fresh.map((b) => [b, branchSlug(b)]));
  // Hex digits per branch that needs a suffix; absent: the plain slug.
  const hexDigits = new Map<string, number>();
  for (const b of fresh) {
    const plain = base.get(b) ?? '';
    if (plain === '' || plain.length > room) hexDigits.set(b, SLUG_HASH_LENGTH);
  }
  const named = (slugs: ReadonlyMap<string, string>): Map<string, PreviewName> =>
    new Map(unique.map((b) => {
      const slug = kept.get(b) ?? slugs.get(b) ?? '';
      return [b, { slug, namespace: renderPreviewNamespace(template, slug) }];
    }));
  for (;;) {
    const slugs = new Map(fresh.map((b) => [b, slugOf(b, base.get(b) ?? '', hexDigits.get(b), room)]));
    const holders = new Map<string, string[]>();
    for (const [b, slug] of slugs) holders.set(slug, [...(holders.get(slug) ?? []), b]);
    let changed = false;
    for (const [slug, group] of holders) {
      // A live preview's slug counts as one more holder, which never moves.
      if (group.length < 2 && !taken.has(slug)) continue;
      const plain = group.filter((b) => !hexDigits.has(b));
      // Suffix the plain ones first; only hashed slugs that still meet need longer hashes.
      for (const b of plain.length > 0 ? plain : group) {
        const digits = hexDigits.get(b);
        const next = digits === undefined ? SLUG_HASH_LENGTH : Math.min(digits + 2, 64, room);
        if (next !== digits) changed = true;
        hexDigits.set(b, next);
      }
    }
    if (!changed) return named(slugs);
  }
}

/** The slug of `branch`: `plain`, or when `digits` is set, `plain` cut to fit `room` with `-` and that many hex digits of its hash. */
function slugOf(branch: string, plain: string, digits: number | undefined, room: number): string {
  if (digits === undefined) return plain;
  const hex = digestHex(digestOf(new TextEncoder().encode(branch))).slice(0, digits);
  const prefix = plain.slice(0, Math.max(0, room - digits - 1)).replace(/-+$/, '');
  return prefix === '' ? hex : `${prefix}-${hex}`;
}
