/**
 * A case's deadline as a handler needs to see it at a glance: on track, warning, breached, or,
 * once answered, met or late. The clock is triage's (GET /v1/triage/complaints/{id}); without it
 * the case's own opening time and due date stand in (GET /v1/cases).
 */
import type { CaseState } from './vocabulary';

export type DeadlineState = 'on-track' | 'warning' | 'breached' | 'paused' | 'met' | 'late' | 'stopped';

/** Share of the response time after which an open case shows a warning (triage's middle warning, DEADLINE_WARN_AT). */
export const WARNING_FRACTION = 0.75;

export interface ClockView {
  state: 'running' | 'paused' | 'stopped';
  startedAt: string;
  dueBy: string;
  pauses: { from: string; to: string | null }[];
  stoppedAt?: string | null;
}

export interface DeadlineInput {
  status: CaseState;
  /** The date the customer was given (the case follows every clock change). */
  responseDueBy: string;
  openedAt: string;
  respondedAt?: string | null;
  withdrawnAt?: string | null;
  clock?: ClockView | null;
  /** triage: when the breach was raised, if it was. */
  breachedAt?: string | null;
}

export interface Deadline {
  state: DeadlineState;
  dueBy: string;
  /** Share of the active response time used, 0..1 and beyond when overdue. */
  elapsedFraction: number;
  /** Until the due time (negative when past it), measured at `now` or where the clock stood still. */
  remainingMs: number;
}

const ms = (iso: string) => Date.parse(iso);
const overlap = (a: number, b: number, from: number, to: number) => Math.max(0, Math.min(b, to) - Math.max(a, from));

/**
 * The same arithmetic as triage's clockStatus (libs/domain deadline-clock): paused time does not
 * count, a paused or stopped clock is measured up to the moment it stood still.
 */
export function elapsedOf(clock: ClockView, now: Date): { elapsedFraction: number; remainingMs: number; breached: boolean } {
  const nowMs = now.getTime();
  const open = clock.pauses.find((p) => p.to === null);
  const effective = clock.state === 'stopped' && clock.stoppedAt ? ms(clock.stoppedAt) : open ? ms(open.from) : nowMs;
  const effectiveNow = Math.min(effective, nowMs);
  const start = ms(clock.startedAt);
  const due = ms(clock.dueBy);
  const closed = clock.pauses.filter((p) => p.to !== null).map((p) => [ms(p.from), ms(p.to as string)] as const);
  const pausedBefore = (t: number) => closed.reduce((sum, [a, b]) => sum + overlap(a, b, start, t), 0);
  const total = due - start - pausedBefore(due);
  const elapsed = Math.max(0, effectiveNow - start - pausedBefore(effectiveNow));
  return { elapsedFraction: total > 0 ? elapsed / total : 1, remainingMs: due - effectiveNow, breached: effectiveNow > due };
}

const ANSWERED: readonly CaseState[] = ['responded', 'closed', 'under-review'];

export function deadlineOf(input: DeadlineInput, now: Date, warnAt = WARNING_FRACTION): Deadline {
  const dueBy = input.responseDueBy;
  if (input.status === 'withdrawn') {
    return { state: 'stopped', dueBy, elapsedFraction: 0, remainingMs: ms(dueBy) - ms(input.withdrawnAt ?? dueBy) };
  }
  if (ANSWERED.includes(input.status) && input.respondedAt) {
    const remainingMs = ms(dueBy) - ms(input.respondedAt);
    return { state: remainingMs >= 0 ? 'met' : 'late', dueBy, elapsedFraction: 0, remainingMs };
  }
  // The customer's date binds: a regulator's earlier deadline moves it before the regime's clock does.
  const clock: ClockView =
    input.clock && input.clock.state !== 'stopped'
      ? { ...input.clock, dueBy: ms(input.clock.dueBy) <= ms(dueBy) ? input.clock.dueBy : dueBy }
      : { state: 'running', startedAt: input.openedAt, dueBy, pauses: [] };
  const { elapsedFraction, remainingMs, breached } = elapsedOf(clock, now);
  const state: DeadlineState =
    breached || input.breachedAt ? 'breached' : clock.state === 'paused' ? 'paused' : elapsedFraction >= warnAt ? 'warning' : 'on-track';
  return { state, dueBy: clock.dueBy, elapsedFraction, remainingMs };
}

/** Soonest deadline first; answered and withdrawn cases after every open one. */
export function byDeadline<T extends { deadline: Deadline }>(a: T, b: T): number {
  const open = (d: Deadline) => (['met', 'late', 'stopped'].includes(d.state) ? 1 : 0);
  return open(a.deadline) - open(b.deadline) || ms(a.deadline.dueBy) - ms(b.deadline.dueBy);
}

/** Whole days and hours, as the queue shows the time left or overdue. */
export function splitDuration(msLeft: number): { overdue: boolean; days: number; hours: number } {
  const abs = Math.abs(msLeft);
  return { overdue: msLeft < 0, days: Math.floor(abs / 86_400_000), hours: Math.floor((abs % 86_400_000) / 3_600_000) };
}
