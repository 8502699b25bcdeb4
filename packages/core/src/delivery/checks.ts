import { formatDurationMs } from '../duration.js';
import { checkLabelKeys, judgedClusters, metricQueries } from './check-queries.js';
import { againstThreshold, badness, breaches, thresholdOf, toCheckValue } from './check-values.js';
import type { MetricReading, Observations } from './machine-types.js';
import type { CheckPlan, DeliveryPlan } from './plan.js';
import { CHECK_HISTORY_KEPT, CHECK_SAMPLES_KEPT, type CheckState, type CheckSubject, type CheckValue, type RingState } from './rollout-document.js';
import { audit, HUB_ACTOR, setGate, setRingPhase, subjectOf, type StepContext } from './step-context.js';

/*
 * Metric checks (DESIGN.md, Delivery; issue 13): each step judges every
 * subject of every check of a Progressing or Soaking ring on the readings
 * the controller took just before it, keeps the values in `ring.checks`, and
 * sets the ring's `check:<name>` gates. A failed gate fails the ring and
 * halts the rollout in the same step, like a blown failure budget.
 */

/**
 * What the ring's checks allow this step, strongest first: `failed` (the
 * ring failed, the rollout halted); `breaching` (a subject breaches within
 * `for`) and `blind` (a query failed: the source is unreachable or refused
 * it, so nothing is known), both holding the next wave and the end of the
 * soak; `waiting` (no data yet: waves may open, the ring may not succeed);
 * `passed`.
 */
export type ChecksVerdict = 'failed' | 'breaching' | 'blind' | 'waiting' | 'passed';

const VERDICT_ORDER: readonly ChecksVerdict[] = ['failed', 'breaching', 'blind', 'waiting', 'passed'];

type Metrics = Observations['metrics'];

/** One subject's verdict at this step. */
interface SubjectOutcome {
  readonly subject: string;
  readonly state: ChecksVerdict;
  readonly value: CheckValue;
  readonly reason: string;
}

/** A subject's reading; a missing one is an error that says why (a label the cluster lacks, or no source answered). */
function readingFor(metrics: Metrics, check: CheckPlan, subject: string, labels: Readonly<Record<string, string>> | undefined): MetricReading {
  const reading = metrics?.get(check.name)?.get(subject);
  if (reading !== undefined) return reading;
  if (check.aggregate === 'cluster') {
    const key = checkLabelKeys([check]).find((k) => labels === undefined || !Object.hasOwn(labels, k));
    if (key !== undefined) return { error: `cluster ${subject} has no label ${key}` };
  }
  return { error: 'no metric source answered' };
}

function keep<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** What judging one subject needs besides its entry and reading. */
interface Judging {
  readonly ctx: StepContext;
  readonly check: CheckPlan;
  readonly deadlineMs: number;
  readonly subject: string;
}

const sinceText = (ctx: StepContext, at: string): string => formatDurationMs(ctx.nowMs - Date.parse(at));

/** A value: within the threshold (clears the breach), or breaching since the first breaching evaluation, failed once that is `for` ago. */
function judgeValue(j: Judging, entry: CheckSubject, value: Exclude<CheckValue, null>): SubjectOutcome {
  const { ctx, check, subject } = j;
  delete entry.waitingSince;
  delete entry.error;
  if (!breaches(check, value)) {
    delete entry.breachingSince;
    return { subject, state: 'passed', value, reason: `${subject} ${againstThreshold(check, value)}` };
  }
  entry.breachingSince ??= ctx.at;
  // The first breaching evaluation has held for nothing yet: no "for 0ms".
  const held = check.forMs === 0 || entry.breachingSince === ctx.at ? '' : ` for ${sinceText(ctx, entry.breachingSince)}`;
  const text = `${subject} ${againstThreshold(check, value)}${held}`;
  if (ctx.nowMs - Date.parse(entry.breachingSince) >= check.forMs) return { subject, state: 'failed', value, reason: text };
  return { subject, state: 'breaching', value, reason: `${text} (halts at ${formatDurationMs(check.forMs)})` };
}

/**
 * No value: `noData` for an empty answer, waiting for an error whatever
 * `noData` says; failed once it has waited `progressDeadline`. An error holds
 * waves (`blind`), and so does no data while an earlier breach is unresolved
 * (a scrape gap in the middle of a breach is no all-clear).
 */
function judgeNoValue(j: Judging, entry: CheckSubject, error: string | undefined): SubjectOutcome {
  const { ctx, check, subject, deadlineMs } = j;
  if (error === undefined) {
    delete entry.error;
    // noData pass counts as within the threshold; an error never does (it waits, below).
    if (check.noData === 'pass') {
      delete entry.waitingSince;
      delete entry.breachingSince;
      return { subject, state: 'passed', value: null, reason: `${subject} no data (noData: pass)` };
    }
    if (check.noData === 'fail') return { subject, state: 'failed', value: null, reason: `${subject} no data (noData: fail)` };
  } else entry.error = error;
  entry.waitingSince ??= ctx.at;
  const waited = sinceText(ctx, entry.waitingSince);
  const text = error === undefined ? `${subject} no data for ${waited}` : `${subject} query failing for ${waited}: ${error}`;
  if (ctx.nowMs - Date.parse(entry.waitingSince) >= deadlineMs) return { subject, state: 'failed', value: null, reason: text };
  const policy = error === undefined ? 'noData: wait, ' : '';
  const breach = entry.breachingSince === undefined ? '' : `; breaching since ${entry.breachingSince}`;
  const state: ChecksVerdict = error !== undefined ? 'blind' : entry.breachingSince !== undefined ? 'breaching' : 'waiting';
  return { subject, state, value: null, reason: `${text}${breach} (${policy}fails after ${formatDurationMs(deadlineMs)})` };
}

/**
 * Not read in this step (the read budget ran out before its turn): it keeps
 * the verdict of its last reading and its breach and wait times, without
 * this step counting as an evaluation (no `for` is reached, no deadline
 * starts; one already running still applies).
 */
function judgeSkipped(j: Judging, entry: CheckSubject, last: CheckValue | undefined): SubjectOutcome {
  const { ctx, subject, deadlineMs } = j;
  const skipped = `${subject} not read in this step (the metric read budget ran out)`;
  if (entry.waitingSince !== undefined) {
    if (ctx.nowMs - Date.parse(entry.waitingSince) >= deadlineMs) return { subject, state: 'failed', value: null, reason: `${skipped}; without a value for ${sinceText(ctx, entry.waitingSince)}` };
    return { subject, state: entry.error !== undefined ? 'blind' : entry.breachingSince !== undefined ? 'breaching' : 'waiting', value: null, reason: skipped };
  }
  if (entry.breachingSince !== undefined) return { subject, state: 'breaching', value: null, reason: `${skipped}; breaching since ${entry.breachingSince}` };
  if (last !== undefined && last !== null) return { subject, state: 'passed', value: null, reason: `${skipped}; last ${againstThreshold(j.check, last)}` };
  return { subject, state: 'waiting', value: null, reason: `${skipped}; not read yet` };
}

/** Judges one subject (Semantics 2): records its value (none when skipped) and updates breachingSince / waitingSince / error. */
function judgeSubject(j: Judging, entry: CheckSubject, reading: MetricReading): SubjectOutcome {
  const last = entry.values.findLast((v) => v !== null);
  const value = reading.error === undefined && reading.skipped !== true ? toCheckValue(reading.value) : null;
  keep(entry.values, value, CHECK_SAMPLES_KEPT);
  if (reading.skipped === true && reading.error === undefined) return judgeSkipped(j, entry, last);
  return value !== null ? judgeValue(j, entry, value) : judgeNoValue(j, entry, reading.error);
}

/** The subjects a check judges in ring `index` now: its judged clusters, or the ring itself over them. */
function subjectsOf(ctx: StepContext, index: number, check: CheckPlan): { subject: string; labels?: Readonly<Record<string, string>> }[] {
  const clusters = judgedClusters(ctx.draft, index);
  if (check.aggregate === 'ring') return clusters.length === 0 ? [] : [{ subject: ctx.draft.rings[index]?.name ?? '' }];
  return clusters.map(({ name, cluster }) => (cluster.labels === undefined ? { subject: name } : { subject: name, labels: cluster.labels }));
}

function stateOf(ring: RingState, name: string): CheckState {
  ring.checks ??= [];
  let state = ring.checks.find((c) => c.check === name);
  if (state === undefined) {
    state = { check: name, times: [], subjects: {}, history: [] };
    ring.checks.push(state);
  }
  return state;
}

/** The subject farthest beyond (or closest to) the threshold; the first subject with null when none has a value. */
function worstOf(check: CheckPlan, outcomes: readonly SubjectOutcome[]): SubjectOutcome | undefined {
  let worst = outcomes[0];
  for (const o of outcomes) if (worst !== undefined && o.value !== null && (worst.value === null || badness(check, o.value) > badness(check, worst.value))) worst = o;
  return worst;
}

/** Judges every subject of one check in ring `index`, records the history line, and returns the outcomes (empty: nothing to judge). */
function judgeCheck(ctx: StepContext, index: number, check: CheckPlan, metrics: Metrics): SubjectOutcome[] {
  const ring = ctx.draft.rings[index];
  const deadlineMs = ctx.draft.plan.rings[index]?.progressDeadlineMs ?? 0;
  if (ring === undefined) return [];
  const state = stateOf(ring, check.name);
  const subjects = subjectsOf(ctx, index, check);
  // Only what it judges now: a cluster that failed, was excused or reverted drops out (the document stays the ring's size).
  const judged: CheckState['subjects'] = {};
  const outcomes: SubjectOutcome[] = [];
  for (const { subject, labels } of subjects) {
    const entry = state.subjects[subject] ?? { values: [] };
    judged[subject] = entry;
    outcomes.push(judgeSubject({ ctx, check, deadlineMs, subject }, entry, readingFor(metrics, check, subject, labels)));
  }
  state.subjects = judged;
  if (outcomes.length > 0) keep(state.times, ctx.at, CHECK_SAMPLES_KEPT);
  const worst = worstOf(check, outcomes);
  if (worst !== undefined) keep(state.history, [ctx.at, worst.value, worst.subject], CHECK_HISTORY_KEPT);
  return outcomes;
}

/** The `check:<name>` gate from the outcomes (Semantics 3), and what it allows. */
function gateOf(check: CheckPlan, outcomes: readonly SubjectOutcome[]): { verdict: ChecksVerdict; reason: string } {
  const worst = (state: SubjectOutcome['state']): SubjectOutcome | undefined => worstOf(check, outcomes.filter((o) => o.state === state));
  const failed = outcomes.filter((o) => o.state === 'failed');
  if (failed.length > 0) return { verdict: 'failed', reason: (worst('failed')?.reason ?? '') + (failed.length > 1 ? ` and ${failed.length - 1} more` : '') };
  for (const verdict of ['breaching', 'blind', 'waiting'] as const) {
    const first = worst(verdict);
    if (first !== undefined) return { verdict, reason: first.reason };
  }
  const best = worstOf(check, outcomes);
  // No judged cluster (all failed within budget, or excused): nothing to hold the ring on.
  return best === undefined ? { verdict: 'passed', reason: 'no cluster to judge' } : { verdict: 'passed', reason: best.reason };
}

/** A failed check's audit data (Semantics 4): check, subjects and values, threshold, `for`, query, the first substituted query. */
function failureData(ctx: StepContext, ringName: string, check: CheckPlan, failed: readonly SubjectOutcome[]): Record<string, unknown> {
  const query = metricQueries(ctx.draft).find((q) => q.ring === ringName && q.check === check.name && q.subject === failed[0]?.subject);
  const values = failed.slice(0, 20).map((o) => ({ [check.aggregate === 'ring' ? 'ring' : 'cluster']: o.subject, value: o.value }));
  return {
    check: check.name,
    aggregate: check.aggregate,
    [check.aggregate === 'ring' ? 'rings' : 'clusters']: values,
    ...(failed.length > 20 ? { more: failed.length - 20 } : {}),
    threshold: thresholdOf(check),
    for: formatDurationMs(check.forMs),
    query: check.query,
    ...(query === undefined ? {} : { queries: query.query }),
  };
}

/**
 * Fails ring `index` on its first failed check (plan order; the others are
 * named too) and halts the rollout. The failure's data goes into the
 * `rollout.halted` entry, or, when a person had halted the rollout already,
 * into the ring's `ring.phase` entry, so the check is on record either way.
 */
function failOnCheck(ctx: StepContext, index: number, failures: readonly { check: CheckPlan; outcomes: readonly SubjectOutcome[] }[]): void {
  const { draft } = ctx;
  const ring = draft.rings[index];
  const [first, ...others] = failures;
  if (ring === undefined || first === undefined) return;
  const { check } = first;
  const failed = first.outcomes.filter((o) => o.state === 'failed');
  const listed = failed.slice(0, 5).map((o) => o.reason);
  const more = failed.length > 5 ? `; and ${failed.length - 5} more` : '';
  // `for` says how long a breach held; a failure for want of a value (no data, an unreachable source) says so in its own words.
  const breached = failed.some((o) => o.value !== null && breaches(check, o.value));
  const held = !breached ? '' : check.forMs === 0 ? ' (at its first breaching evaluation)' : ` (for ${formatDurationMs(check.forMs)})`;
  const also = others.length > 0 ? ` (also failed: ${others.map((o) => `check ${o.check.name}`).join(', ')})` : '';
  const reason = `check ${check.name} failed in ring ${ring.name}${held}: ${listed.join('; ')}${more}${also}`;
  const data = { ...failureData(ctx, ring.name, check, failed), ...(others.length > 0 ? { otherChecks: others.map((o) => o.check.name) } : {}) };
  if (ring.phase === 'Soaking') setGate(ring, 'soak', 'failed', `check ${check.name} failed during the soak`, ctx.at);
  ring.finishedAt = ctx.at;
  const halted = draft.phase === 'Halted';
  setRingPhase(ctx, ring, 'Failed', reason, undefined, halted ? data : {});
  if (halted) return;
  draft.phase = 'Halted';
  draft.halt = { actor: HUB_ACTOR, at: ctx.at, reason, ring: ring.name, automatic: true };
  audit(ctx, { action: 'rollout.halted', subject: subjectOf(draft), data: { ring: ring.name, ...data }, reason });
}

/**
 * Evaluates the checks ring `index` lists (it is Progressing or Soaking),
 * sets their gates, and on the first failed one (plan order) fails the ring
 * and halts the rollout. Returns what the checks allow the ring this step.
 */
export function evaluateChecks(ctx: StepContext, index: number, metrics: Metrics): ChecksVerdict {
  const ring = ctx.draft.rings[index];
  const names = ctx.draft.plan.rings[index]?.checks ?? [];
  if (ring === undefined || names.length === 0) return 'passed';
  const verdicts: ChecksVerdict[] = [];
  const failures: { check: CheckPlan; outcomes: SubjectOutcome[] }[] = [];
  for (const check of ctx.draft.plan.checks.filter((c) => names.includes(c.name))) {
    const outcomes = judgeCheck(ctx, index, check, metrics);
    const gate = gateOf(check, outcomes);
    setGate(ring, `check:${check.name}`, gate.verdict === 'failed' ? 'failed' : gate.verdict === 'passed' ? 'passed' : 'pending', gate.reason, ctx.at);
    verdicts.push(gate.verdict);
    if (gate.verdict === 'failed') failures.push({ check, outcomes });
  }
  if (failures.length > 0) {
    failOnCheck(ctx, index, failures);
    return 'failed';
  }
  return VERDICT_ORDER.find((v) => verdicts.includes(v)) ?? 'passed';
}

/** Resume of a Failed ring (Semantics 6): its checks start tracking afresh (samples and history kept), their gates pending. */
export function resetChecks(ring: RingState, why: string, at: string): void {
  for (const state of ring.checks ?? []) {
    for (const entry of Object.values(state.subjects)) {
      delete entry.breachingSince;
      delete entry.waitingSince;
      delete entry.error;
    }
  }
  for (const gate of ring.gates) if (gate.gate.startsWith('check:')) setGate(ring, gate.gate, 'pending', why, at);
}

/** A ring that succeeded judges nobody any more: its checks keep their times and history (the chart), not the subjects. */
export function settleChecks(ring: RingState): void {
  for (const state of ring.checks ?? []) state.subjects = {};
}

/** How long ring `index` soaks: its `soak`, but at least its checks' longest `for`, so a breach starting after the last wave can still hold long enough to halt it. */
export function soakOf(plan: DeliveryPlan, index: number): number {
  const ring = plan.rings[index];
  if (ring === undefined) return 0;
  const longest = plan.checks.filter((c) => ring.checks.includes(c.name)).reduce((max, c) => Math.max(max, c.forMs), 0);
  return Math.max(ring.soakMs, longest);
}
