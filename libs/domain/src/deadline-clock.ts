import { DateTime } from 'luxon';
import { calendarFor } from './calendars';
import {
  DeadlinePeriod,
  DeadlineRegime,
  lastDayOfPeriod,
  localDay,
  PauseReason,
  periodOf,
  RegimeId,
  RestDayCalendar,
} from './deadlines';

/*
 * A deadline clock is a plain JSON value (instants as ISO-8601 strings) that the triage service
 * persists as is; every transition returns a new clock and never mutates its argument. The clock
 * carries a snapshot of the regime it was started under, so the rules in force at acceptance keep
 * applying even if configuration changes later (and the audit trail can show them).
 *
 * Transitions take an optional calendar; by default the regime's own (`calendarFor`). Pass the same
 * custom calendar to every transition if you started the clock with one.
 */

export interface ClockPause {
  from: string;
  /** null while the pause is open. */
  to: string | null;
  reason: PauseReason;
  /** Days excluded once the pause ended, in the basis of the period in force then (for the record). */
  excludedDays?: number;
}

export interface ClockRestart {
  at: string;
  why: string;
  previousStartedAt: string;
  previousDueBy: string;
  /** The pauses of the superseded run; they no longer affect the due date. */
  previousPauses: ClockPause[];
}

export interface ClockExtension {
  at: string;
  fromPeriod: string;
  toPeriod: string;
  approvedBy: string;
  seniorApproval: boolean;
  previousDueBy: string;
}

export type ClockState = 'running' | 'paused' | 'stopped';

export interface DeadlineClock {
  regimeId: RegimeId;
  regime: DeadlineRegime;
  period: string;
  /** Start of the current run (acceptance, or the last restart on new facts). */
  startedAt: string;
  dueBy: string;
  pauses: ClockPause[];
  restarts: ClockRestart[];
  extensions: ClockExtension[];
  state: ClockState;
  stoppedAt: string | null;
}

export type DeadlineClockErrorCode =
  | 'unknown-period'
  | 'pause-not-allowed'
  | 'already-paused'
  | 'not-paused'
  | 'restart-not-allowed'
  | 'extension-not-permitted'
  | 'extension-not-longer'
  | 'senior-approval-required'
  | 'stopped'
  | 'breached'
  | 'out-of-order'
  | 'invalid-time';

export class DeadlineClockError extends Error {
  constructor(
    readonly code: DeadlineClockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeadlineClockError';
  }
}

export interface Approver {
  /** Who approved the extension (staff id). */
  id: string;
  /** Whether the approver holds a senior position (cn-cbirc 60 days: 高级管理人员 approval). */
  senior: boolean;
}

const iso = (d: Date): string => d.toISOString();

function instant(at: Date | string, what: string): Date {
  const d = typeof at === 'string' ? new Date(at) : new Date(at.getTime());
  if (Number.isNaN(d.getTime())) throw new DeadlineClockError('invalid-time', `${what}: not a valid time`);
  return d;
}

/** The latest moment already recorded on the clock; transitions may not go back before it. */
function lastEventAt(clock: DeadlineClock): number {
  const times = [clock.startedAt, ...clock.pauses.flatMap((p) => [p.from, p.to ?? p.from])];
  times.push(...clock.restarts.map((r) => r.at), ...clock.extensions.map((e) => e.at));
  return Math.max(...times.map((t) => Date.parse(t)));
}

function assertOrdered(clock: DeadlineClock, at: Date, action: string): void {
  if (at.getTime() < lastEventAt(clock)) {
    throw new DeadlineClockError('out-of-order', `${action} at ${iso(at)} is before the clock's last recorded event`);
  }
}

function assertNotStopped(clock: DeadlineClock, action: string): void {
  if (clock.state === 'stopped') throw new DeadlineClockError('stopped', `cannot ${action}: the clock was stopped at ${clock.stoppedAt}`);
}

function lookupPeriod(regime: DeadlineRegime, name: string): DeadlinePeriod {
  try {
    return periodOf(regime, name);
  } catch (e) {
    throw new DeadlineClockError('unknown-period', (e as Error).message);
  }
}

/**
 * Days excluded for one ended pause: only local days wholly inside it, i.e. from the first local
 * midnight at or after `from` to the local midnight that starts the day of `to`. A partly paused
 * day counts as running, so the firm never claims more time than was actually suspended (CBIRC
 * Order 2020 No. 3 excludes only the time taken by external appraisal/testing; rounding partial
 * days in the firm's favour would overstate it). The day of receipt is never counted anyway
 * (Civil Code Art. 201), so it is not excluded.
 * For a business-day period only working days are excluded; rest days were not counted anyway.
 */
export function excludedDaysOf(
  pause: { from: Date; to: Date },
  startedAt: Date,
  p: Pick<DeadlinePeriod, 'dayBasis'>,
  timeZone: string,
  calendar: RestDayCalendar,
): number {
  const from = DateTime.fromJSDate(pause.from, { zone: timeZone });
  const fromDay = from.startOf('day');
  let first: DateTime = from.equals(fromDay) ? fromDay : fromDay.plus({ days: 1 });
  const firstCountable = localDay(startedAt, timeZone).plus({ days: 1 });
  if (first < firstCountable) first = firstCountable;
  const endExclusive = localDay(pause.to, timeZone);
  let n = 0;
  for (let d: DateTime = first; d < endExclusive; d = d.plus({ days: 1 })) {
    if (p.dayBasis === 'calendar' || !calendar.isRestDay(d)) n += 1;
  }
  return n;
}

/**
 * The due date of a run from its start, period and ended pauses, rolled forward afresh. Excluded
 * days are recounted in the current period's basis, so an extension to a period with another day
 * basis stays right.
 */
function computeDueBy(clock: Pick<DeadlineClock, 'regime' | 'period' | 'startedAt' | 'pauses'>, calendar: RestDayCalendar): string {
  const p = lookupPeriod(clock.regime, clock.period);
  const startedAt = new Date(clock.startedAt);
  const excluded = clock.pauses.reduce(
    (sum, x) =>
      x.to === null ? sum : sum + excludedDaysOf({ from: new Date(x.from), to: new Date(x.to) }, startedAt, p, clock.regime.timeZone, calendar),
    0,
  );
  const start = localDay(startedAt, clock.regime.timeZone);
  return iso(lastDayOfPeriod(start, p, calendar, excluded).endOf('day').toJSDate());
}

export interface StartClockInput {
  regime: DeadlineRegime;
  /** Defaults to the regime's `responsePeriod` (or `standard`). */
  period?: string;
  startedAt: Date | string;
  calendar?: RestDayCalendar;
}

export function startClock(input: StartClockInput): DeadlineClock {
  const { regime } = input;
  const name = input.period ?? regime.responsePeriod ?? 'standard';
  lookupPeriod(regime, name);
  const startedAt = instant(input.startedAt, 'startedAt');
  const base = { regime, period: name, startedAt: iso(startedAt), pauses: [] as ClockPause[] };
  return {
    regimeId: regime.id,
    ...base,
    dueBy: computeDueBy(base, input.calendar ?? calendarFor(regime)),
    restarts: [],
    extensions: [],
    state: 'running',
    stoppedAt: null,
  };
}

/** Stops the clock for a reason the regime allows (cn-cbirc: external appraisal, awaiting the customer). */
export function pauseClock(clock: DeadlineClock, at: Date | string, reason: PauseReason): DeadlineClock {
  const when = instant(at, 'pause time');
  assertNotStopped(clock, 'pause');
  if (!(clock.regime.pauseReasons ?? []).includes(reason)) {
    const allowed = clock.regime.pauseReasons?.length ? `allowed: ${clock.regime.pauseReasons.join(', ')}` : 'the regime has no stop-the-clock';
    throw new DeadlineClockError('pause-not-allowed', `${clock.regimeId} does not allow pausing for ${reason} (${allowed})`);
  }
  if (clock.state === 'paused') throw new DeadlineClockError('already-paused', 'the clock is already paused');
  assertOrdered(clock, when, 'pause');
  if (when.getTime() > Date.parse(clock.dueBy)) {
    throw new DeadlineClockError('breached', `cannot pause after the deadline ${clock.dueBy} has passed`);
  }
  return { ...clock, pauses: [...clock.pauses, { from: iso(when), to: null, reason }], state: 'paused' };
}

function closeOpenPause(clock: DeadlineClock, when: Date, calendar: RestDayCalendar): ClockPause[] {
  const p = lookupPeriod(clock.regime, clock.period);
  return clock.pauses.map((x) =>
    x.to === null
      ? {
          ...x,
          to: iso(when),
          excludedDays: excludedDaysOf({ from: new Date(x.from), to: when }, new Date(clock.startedAt), p, clock.regime.timeZone, calendar),
        }
      : x,
  );
}

/**
 * Restarts the clock after a pause: the due date moves later by the whole days paused (see
 * `excludedDaysOf`) and is rolled forward from a rest day again.
 */
export function resumeClock(clock: DeadlineClock, at: Date | string, calendar: RestDayCalendar = calendarFor(clock.regime)): DeadlineClock {
  const when = instant(at, 'resume time');
  assertNotStopped(clock, 'resume');
  if (clock.state !== 'paused') throw new DeadlineClockError('not-paused', 'the clock is not paused');
  assertOrdered(clock, when, 'resume');
  const pauses = closeOpenPause(clock, when, calendar);
  return { ...clock, pauses, dueBy: computeDueBy({ ...clock, pauses }, calendar), state: 'running' };
}

/**
 * New facts: the period starts again from `at` (CBIRC Order 2020 No. 3, see design/domain.md
 * "Deadline regimes"). The current period is kept; earlier pauses move into the restart record.
 */
export function restartClock(
  clock: DeadlineClock,
  at: Date | string,
  why: string,
  calendar: RestDayCalendar = calendarFor(clock.regime),
): DeadlineClock {
  const when = instant(at, 'restart time');
  assertNotStopped(clock, 'restart');
  if (!clock.regime.restartOnNewFacts) {
    throw new DeadlineClockError('restart-not-allowed', `${clock.regimeId} does not restart the clock on new facts`);
  }
  assertOrdered(clock, when, 'restart');
  const previousPauses = clock.state === 'paused' ? closeOpenPause(clock, when, calendar) : clock.pauses;
  const restart: ClockRestart = { at: iso(when), why, previousStartedAt: clock.startedAt, previousDueBy: clock.dueBy, previousPauses };
  const next = { ...clock, startedAt: iso(when), pauses: [] as ClockPause[] };
  return { ...next, dueBy: computeDueBy(next, calendar), restarts: [...clock.restarts, restart], state: 'running' };
}

/**
 * Moves the case to a longer period the regime permits (cn-cbirc: 15 → 30 for complex cases,
 * → 60 only with senior approval). The new period counts from the same start, keeping pauses.
 */
export function extendClock(
  clock: DeadlineClock,
  toPeriod: string,
  at: Date | string,
  approvedBy: Approver,
  calendar: RestDayCalendar = calendarFor(clock.regime),
): DeadlineClock {
  const when = instant(at, 'extension time');
  assertNotStopped(clock, 'extend');
  const from = lookupPeriod(clock.regime, clock.period);
  const to = lookupPeriod(clock.regime, toPeriod);
  if (!from.extendableTo.includes(toPeriod)) {
    throw new DeadlineClockError(
      'extension-not-permitted',
      `${clock.regimeId} does not permit extending ${clock.period} to ${toPeriod}` +
        (from.extendableTo.length ? ` (permitted: ${from.extendableTo.join(', ')})` : ' (no extension permitted)'),
    );
  }
  if (to.requiresSeniorApproval && !approvedBy.senior) {
    throw new DeadlineClockError('senior-approval-required', `extending to ${toPeriod} needs a senior approver; ${approvedBy.id} is not one`);
  }
  if (!approvedBy.id) throw new DeadlineClockError('senior-approval-required', 'an extension needs an approver');
  assertOrdered(clock, when, 'extension');
  if (when.getTime() > Date.parse(clock.dueBy)) {
    throw new DeadlineClockError('breached', `cannot extend after the deadline ${clock.dueBy} has passed`);
  }
  const next = { ...clock, period: toPeriod };
  const dueBy = computeDueBy(next, calendar);
  if (Date.parse(dueBy) <= Date.parse(clock.dueBy)) {
    throw new DeadlineClockError('extension-not-longer', `${toPeriod} would end ${dueBy}, not later than the current ${clock.dueBy}`);
  }
  const extension: ClockExtension = {
    at: iso(when),
    fromPeriod: clock.period,
    toPeriod,
    approvedBy: approvedBy.id,
    seniorApproval: approvedBy.senior,
    previousDueBy: clock.dueBy,
  };
  return { ...next, dueBy, extensions: [...clock.extensions, extension] };
}

/** The case is decided (or withdrawn): the clock stops for good. An open pause ends here. */
export function stopClock(clock: DeadlineClock, at: Date | string, calendar: RestDayCalendar = calendarFor(clock.regime)): DeadlineClock {
  const when = instant(at, 'stop time');
  assertNotStopped(clock, 'stop');
  assertOrdered(clock, when, 'stop');
  const pauses = clock.state === 'paused' ? closeOpenPause(clock, when, calendar) : clock.pauses;
  // The due date is not moved by a pause that ends with the case: nothing is left to be late for.
  return { ...clock, pauses, state: 'stopped', stoppedAt: iso(when) };
}

/**
 * When the response is due: the clock's date, or a regulator's deadline on a referred complaint
 * when that comes first. The regulator fixed its date at referral and no transition of the clock
 * moves it, so it is weighed again after every restart, pause or extension: a date that bound
 * before may bind again after an extension, and a restart never frees the firm from it.
 */
export function bindingDueBy(clockDueBy: Date | string, regulatorDeadline: Date | string | null | undefined): Date {
  const regime = instant(clockDueBy, 'clock due date');
  if (regulatorDeadline === null || regulatorDeadline === undefined) return regime;
  const regulator = instant(regulatorDeadline, "regulator's deadline");
  return regulator.getTime() < regime.getTime() ? regulator : regime;
}

export interface ClockStatus {
  dueBy: string;
  /** Share of the allowed running time used (above 1 once breached). Paused time does not count. */
  elapsedFraction: number;
  /** The warning fractions already reached, ascending. */
  warningsReached: number[];
  breached: boolean;
  /** Running time left until `dueBy`; negative once breached; frozen while paused or stopped. */
  remainingMs: number;
}

const overlapMs = (a0: number, a1: number, b0: number, b1: number): number => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

function assertFractions(warnAtFractions: readonly number[]): void {
  for (const f of warnAtFractions) {
    if (!(f > 0 && f <= 1)) throw new RangeError(`warning fractions must be in (0, 1], got ${f}`);
  }
}

/** The clock's running time: used up to `now` (frozen while paused or stopped) and allowed in all, paused time left out of both. */
function runningTime(clock: DeadlineClock, nowMs: number): { elapsedMs: number; totalMs: number; effectiveNow: number } {
  const open = clock.pauses.find((p) => p.to === null);
  // While paused or stopped the clock does not advance: measure up to the moment it stood still.
  const effective =
    clock.state === 'stopped' && clock.stoppedAt ? Date.parse(clock.stoppedAt) : open ? Date.parse(open.from) : nowMs;
  const effectiveNow = Math.min(effective, nowMs);
  const start = Date.parse(clock.startedAt);
  const due = Date.parse(clock.dueBy);
  const closed = clock.pauses.filter((p) => p.to !== null).map((p) => [Date.parse(p.from), Date.parse(p.to as string)] as const);
  const pausedBefore = (t: number): number => closed.reduce((s, [a, b]) => s + overlapMs(a, b, start, t), 0);
  return { elapsedMs: Math.max(0, effectiveNow - start - pausedBefore(effectiveNow)), totalMs: due - start - pausedBefore(due), effectiveNow };
}

const reachedOf = (fraction: number, warnAtFractions: readonly number[]): number[] =>
  [...warnAtFractions].filter((f) => fraction >= f).sort((a, b) => a - b);

export function clockStatus(clock: DeadlineClock, now: Date | string, warnAtFractions: readonly number[] = [0.5, 0.75, 0.9]): ClockStatus {
  assertFractions(warnAtFractions);
  const nowMs = instant(now, 'now').getTime();
  const { elapsedMs, totalMs, effectiveNow } = runningTime(clock, nowMs);
  const due = Date.parse(clock.dueBy);
  const elapsedFraction = totalMs > 0 ? elapsedMs / totalMs : 1;
  return {
    dueBy: clock.dueBy,
    elapsedFraction,
    warningsReached: reachedOf(elapsedFraction, warnAtFractions),
    breached: effectiveNow > due,
    remainingMs: due - effectiveNow,
  };
}

// ---------------------------------------------------------------------------------------------
// Watching the response deadline: the clock's own date and a regulator's, whichever binds
// ---------------------------------------------------------------------------------------------

/**
 * When a change that an event brings (new facts, an extension, a withdrawal, the answer) applies
 * to the clock: at the event's time, or at the clock's last recorded event when the event carries
 * an earlier time. Events of different services (a withdrawal from intake at 10:00:00, an
 * extension from investigation at 10:00:05) can be handled in either order; the later-handled one
 * must still apply, not fail as out of order.
 */
export function clockChangeTime(clock: DeadlineClock, eventAt: Date | string): Date {
  const at = instant(eventAt, 'event time');
  return new Date(Math.max(at.getTime(), lastEventAt(clock)));
}

/** When the clock first started (acceptance), before any restart on new facts. */
const firstStartedAt = (clock: DeadlineClock): number => Date.parse(clock.restarts[0]?.previousStartedAt ?? clock.startedAt);

export interface ResponseDeadlineStatus {
  /**
   * The date the response is measured against: `bindingDueBy` of the clock's date and the
   * regulator's; while the clock is paused only the regulator's date runs on, so it binds.
   */
  dueBy: string;
  binding: 'clock' | 'regulator';
  /**
   * Share of the time to `dueBy` used: for the clock's date its running time (paused time does
   * not count); for the regulator's the calendar time since acceptance (a pause does not stop
   * the regulator), up to the stop.
   */
  elapsedFraction: number;
  /** The warning fractions reached, ascending. */
  warningsReached: number[];
  /**
   * Either date missed: the clock's by its running time, the regulator's by the calendar
   * whatever the clock's state (until the clock stopped: an answer after it is late).
   */
  breached: boolean;
}

/**
 * Where a response stands against its binding due date: the clock's own date, or the deadline of
 * a regulator's referral when that comes first (or while the clock is paused). The warnings are
 * measured against the binding date, so a referral due well before the regime's date warns
 * before it is breached, and a pause hides no regulator's deadline.
 */
export function responseDeadlineStatus(
  clock: DeadlineClock,
  regulatorDeadline: Date | string | null | undefined,
  now: Date | string,
  warnAtFractions: readonly number[] = [0.5, 0.75, 0.9],
): ResponseDeadlineStatus {
  const own = clockStatus(clock, now, warnAtFractions);
  const due = bindingDueBy(clock.dueBy, regulatorDeadline);
  if (regulatorDeadline === null || regulatorDeadline === undefined) {
    return { dueBy: own.dueBy, binding: 'clock', elapsedFraction: own.elapsedFraction, warningsReached: own.warningsReached, breached: own.breached };
  }
  const regulator = instant(regulatorDeadline, "regulator's deadline").getTime();
  const nowMs = instant(now, 'now').getTime();
  const until = clock.state === 'stopped' && clock.stoppedAt ? Math.min(nowMs, Date.parse(clock.stoppedAt)) : nowMs;
  const breached = own.breached || until > regulator;
  const regulatorBinds = clock.state === 'paused' || due.getTime() < Date.parse(clock.dueBy);
  if (!regulatorBinds) return { dueBy: own.dueBy, binding: 'clock', elapsedFraction: own.elapsedFraction, warningsReached: own.warningsReached, breached };
  const start = firstStartedAt(clock);
  const elapsedFraction = regulator > start ? Math.max(0, until - start) / (regulator - start) : 1;
  return { dueBy: iso(new Date(regulator)), binding: 'regulator', elapsedFraction, warningsReached: reachedOf(elapsedFraction, warnAtFractions), breached };
}

/**
 * When a response deadline next needs looking at, given the warnings already raised: `now` when a
 * warning is owed or a date is missed (a clock stopped after its binding date owes its breach),
 * otherwise when the next warning fraction or a due date is crossed; null when nothing can come
 * due without another change of the clock (stopped in time, or paused with no regulator's date).
 * Warnings are the fractions below 1; reaching 1 is the breach.
 */
export function nextDeadlineCheck(
  clock: DeadlineClock,
  regulatorDeadline: Date | string | null | undefined,
  warnAtFractions: readonly number[],
  raised: readonly number[],
  now: Date | string,
): Date | null {
  const nowMs = instant(now, 'now').getTime();
  const status = responseDeadlineStatus(clock, regulatorDeadline, now, warnAtFractions);
  if (status.breached) return new Date(nowMs);
  if (clock.state === 'stopped') return null;
  const pending = warnAtFractions.filter((f) => f < 1 && !raised.includes(f));
  if (pending.some((f) => f <= status.elapsedFraction)) return new Date(nowMs);
  const regulator = regulatorDeadline === null || regulatorDeadline === undefined ? null : instant(regulatorDeadline, "regulator's deadline").getTime();
  const candidates: number[] = [];
  if (clock.state === 'running') candidates.push(Date.parse(clock.dueBy) + 1);
  if (regulator !== null) candidates.push(regulator + 1);
  const next = Math.min(...pending.filter((f) => f > status.elapsedFraction));
  if (Number.isFinite(next)) {
    if (status.binding === 'regulator' && regulator !== null) {
      const start = firstStartedAt(clock);
      candidates.push(start + next * (regulator - start));
    } else if (clock.state === 'running') {
      // A running clock's running time advances with the calendar.
      candidates.push(nowMs + (next - status.elapsedFraction) * runningTime(clock, nowMs).totalMs);
    }
  }
  if (candidates.length === 0) return null;
  return new Date(Math.max(nowMs + 1, Math.ceil(Math.min(...candidates))));
}

/**
 * The warnings raised before a change of the clock at `at` that are still reached after it. An
 * extension or a restart moves the binding date later: a warning no longer reached is forgotten,
 * so it is raised again when reached under the new date (before the new, later breach).
 */
export function warningsStillReached(
  clock: DeadlineClock,
  regulatorDeadline: Date | string | null | undefined,
  raised: readonly number[],
  at: Date | string,
): number[] {
  const { elapsedFraction } = responseDeadlineStatus(clock, regulatorDeadline, at, []);
  return raised.filter((f) => f <= elapsedFraction);
}

export type ClockChangeKind = 'paused' | 'resumed' | 'restarted' | 'extended' | 'stopped';

/** What the deadline watch keeps beside a clock. */
export interface DeadlineWatchState {
  /** The date the response was due by before the change. */
  responseDueBy: Date;
  regulatorDeadline: Date | null;
  warningsRaised: number[];
  breachedAt: Date | null;
}

/**
 * The watch's state after the clock changed (to `clock`, at `at`; `now` is when it is recorded):
 * - the due date is the binding one again (`bindingDueBy`); a stopped clock keeps the date it had;
 * - a restart gives the regime's period afresh and clears a breach of it, but a regulator's
 *   deadline already missed stays missed;
 * - after a change that moves the binding date later (resume, restart, extension) only the
 *   warnings still reached are kept, so the others are raised again before the new, later breach;
 *   a pause or a stop moves no date and keeps them;
 * - the next look (`nextDeadlineCheck`), none once breached.
 */
export function watchAfterClockChange(
  before: DeadlineWatchState,
  clock: DeadlineClock,
  change: ClockChangeKind,
  at: Date,
  warnAtFractions: readonly number[],
  now: Date = new Date(),
): { responseDueBy: Date; warningsRaised: number[]; breachedAt: Date | null; nextCheckAt: Date | null } {
  const when = new Date(Math.max(at.getTime(), now.getTime()));
  const binding = bindingDueBy(clock.dueBy, before.regulatorDeadline);
  const responseDueBy = change === 'stopped' ? before.responseDueBy : binding;
  const breachStands = !!before.breachedAt && binding <= before.breachedAt;
  const breachedAt = change === 'restarted' && !breachStands ? null : before.breachedAt;
  const warningsRaised =
    change === 'paused' || change === 'stopped' ? before.warningsRaised : warningsStillReached(clock, before.regulatorDeadline, before.warningsRaised, when);
  const nextCheckAt = breachedAt ? null : nextDeadlineCheck(clock, before.regulatorDeadline, warnAtFractions, warningsRaised, when);
  return { responseDueBy, warningsRaised, breachedAt, nextCheckAt };
}

/**
 * The watch's state after the regulator moved the deadline of its referral (to `regulatorDeadline`,
 * recorded at `at`; `now` is when it is handled). The clock itself does not move:
 * - the due date is the binding one again (`bindingDueBy`): the new deadline when it is the earlier,
 *   the regime's own date otherwise (a later deadline lets the regime's clock bind again); a stopped
 *   clock keeps the date it had;
 * - a breach already raised stands, whichever way the deadline moved: it was raised against the date
 *   that bound at the time, and `deadline.breached` is raised once;
 * - only the warnings still reached under the new date are kept: a later deadline forgets those no
 *   longer reached, so they are raised again before the new breach; an earlier one keeps them all,
 *   and the watch raises those it has now reached at once;
 * - the next look (`nextDeadlineCheck`) against the new deadline, none once breached.
 */
export function watchAfterRegulatorDeadlineChange(
  before: DeadlineWatchState,
  clock: DeadlineClock,
  regulatorDeadline: Date,
  at: Date,
  warnAtFractions: readonly number[],
  now: Date = new Date(),
): { responseDueBy: Date; regulatorDeadline: Date; warningsRaised: number[]; breachedAt: Date | null; nextCheckAt: Date | null } {
  const when = new Date(Math.max(at.getTime(), now.getTime()));
  const stopped = clock.state === 'stopped';
  const responseDueBy = stopped ? before.responseDueBy : bindingDueBy(clock.dueBy, regulatorDeadline);
  const breachedAt = before.breachedAt;
  const warningsRaised = stopped ? before.warningsRaised : warningsStillReached(clock, regulatorDeadline, before.warningsRaised, when);
  const nextCheckAt = breachedAt ? null : nextDeadlineCheck(clock, regulatorDeadline, warnAtFractions, warningsRaised, when);
  return { responseDueBy, regulatorDeadline, warningsRaised, breachedAt, nextCheckAt };
}
