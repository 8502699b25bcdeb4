import { createHash } from 'node:crypto';
import type { FleetSummary } from './api-types.js';
import type { FleetSnapshot } from './fleet-summary.js';
import { fleetSummaryOf, type FleetFilter } from './fleet-view.js';

/** GET /fleet's answer, serialised once: its ETag (of the content, the refresh time left out) and its JSON bytes. */
export interface FleetAnswer {
  readonly etag: string;
  readonly bytes: Buffer;
}

/** GET /fleet's answers, memoised per snapshot and filter (see createFleetAnswers). */
export interface FleetAnswers {
  /** The answer for `filter` over `snap`: built on the first ask, then a map lookup until the snapshot changes. */
  answer(snap: FleetSnapshot, filter: FleetFilter): FleetAnswer;
}

/** Distinct filters remembered per snapshot: each tab's overview asks for one or two. */
const MAX_FILTERS = 32;

/**
 * Memoises GET /fleet's `{etag, bytes}` per (snapshot, normalised filter),
 * so a poll answered 304, or a repeat from another tab, costs a lookup
 * rather than summarising and serialising 10,000 rows. Only the newest
 * snapshot's answers are kept: the map is cleared when the snapshot object
 * changes. `summarise` is what builds an answer (tests count its calls).
 */
export function createFleetAnswers(summarise: (snap: FleetSnapshot, filter: FleetFilter) => FleetSummary = fleetSummaryOf): FleetAnswers {
  let of: FleetSnapshot | undefined;
  const answers = new Map<string, FleetAnswer>();
  return {
    answer(snap, filter) {
      if (snap !== of) {
        answers.clear();
        of = snap;
      }
      const key = filterKey(filter);
      const known = answers.get(key);
      if (known) return known;
      const summary = summarise(snap, filter);
      const { refreshedAt: _at, ...content } = summary;
      const etag = `"${createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 27)}"`;
      const made = { etag, bytes: Buffer.from(JSON.stringify(summary)) };
      if (answers.size >= MAX_FILTERS) answers.delete(answers.keys().next().value as string);
      answers.set(key, made);
      return made;
    },
  };
}

/** One key per meaning: requirements sorted, so `b=1,a=2` and `a=2,b=1` share an answer. */
function filterKey(filter: FleetFilter): string {
  const selector = filter.selector?.map((r) => JSON.stringify(r)).sort();
  return JSON.stringify([selector ?? null, filter.ring ?? null, filter.phase ?? null]);
}
