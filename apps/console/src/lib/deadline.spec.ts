import fc from 'fast-check';
import { clockStatus, DeadlineClock } from '@complaints/domain';
import { byDeadline, ClockView, deadlineOf, elapsedOf, splitDuration, WARNING_FRACTION } from './deadline';

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);
const open = { status: 'investigating' as const, openedAt: '2026-11-01T00:00:00Z', responseDueBy: '2026-11-11T00:00:00Z' };

describe('deadline state of a case', () => {
  it('is on track before the warning share of the time is used, a warning from it, breached after the due time', () => {
    expect(deadlineOf(open, at('2026-11-03T00:00:00Z')).state).toBe('on-track');
    expect(deadlineOf(open, at('2026-11-08T11:59:59Z')).state).toBe('on-track');
    expect(deadlineOf(open, at('2026-11-08T12:00:00Z')).state).toBe('warning');
    expect(deadlineOf(open, at('2026-11-11T00:00:00Z')).state).toBe('warning');
    const late = deadlineOf(open, at('2026-11-11T00:00:01Z'));
    expect(late.state).toBe('breached');
    expect(late.remainingMs).toBe(-1000);
  });

  it('trusts triage’s breach even when the dates alone would not show it', () => {
    expect(deadlineOf({ ...open, breachedAt: '2026-11-02T00:00:00Z' }, at('2026-11-02T00:00:00Z')).state).toBe('breached');
  });

  it('shows a paused clock as paused, measured up to the pause', () => {
    const clock: ClockView = { state: 'paused', startedAt: '2026-11-01T00:00:00Z', dueBy: '2026-11-11T00:00:00Z', pauses: [{ from: '2026-11-03T00:00:00Z', to: null }] };
    const d = deadlineOf({ ...open, clock }, at('2026-11-20T00:00:00Z'));
    expect(d.state).toBe('paused');
    expect(d.elapsedFraction).toBeCloseTo(0.2, 10);
    expect(d.remainingMs).toBe(8 * DAY);
  });

  it('takes the earlier of the clock’s date and the customer’s date (a regulator’s deadline)', () => {
    const clock: ClockView = { state: 'running', startedAt: '2026-11-01T00:00:00Z', dueBy: '2026-11-21T00:00:00Z', pauses: [] };
    const d = deadlineOf({ ...open, clock }, at('2026-11-12T00:00:00Z'));
    expect(d.dueBy).toBe(open.responseDueBy);
    expect(d.state).toBe('breached');
  });

  it('says whether an answered case was answered by its date, and ignores the clock afterwards', () => {
    expect(deadlineOf({ ...open, status: 'responded', respondedAt: '2026-11-10T23:00:00Z' }, at('2027-01-01T00:00:00Z')).state).toBe('met');
    expect(deadlineOf({ ...open, status: 'closed', respondedAt: '2026-11-12T00:00:00Z' }, at('2027-01-01T00:00:00Z')).state).toBe('late');
    expect(deadlineOf({ ...open, status: 'withdrawn', withdrawnAt: '2026-11-05T00:00:00Z' }, at('2027-01-01T00:00:00Z')).state).toBe('stopped');
  });

  it('computes the elapsed share exactly as triage’s clock does, pauses included', () => {
    const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-03-01T00:00:00Z') });
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 40 * DAY }), fc.array(fc.tuple(fc.integer({ min: 0, max: 30 * DAY }), fc.integer({ min: 1, max: 5 * DAY })), { maxLength: 3 }), fc.boolean(), fc.integer({ min: 0, max: 60 * DAY }), (start, span, rawPauses, pausedNow, offset) => {
        // Pauses in order and apart, the last one possibly still running.
        const pauses: { from: string; to: string | null }[] = [];
        let cursor = start;
        for (const [gap, length] of rawPauses) {
          const from = cursor + gap + 1;
          pauses.push({ from: new Date(from).toISOString(), to: new Date(from + length).toISOString() });
          cursor = from + length;
        }
        if (pausedNow && pauses.length) pauses[pauses.length - 1].to = null;
        const clock = { state: pausedNow && pauses.length ? 'paused' : 'running', startedAt: new Date(start).toISOString(), dueBy: new Date(start + span).toISOString(), pauses, stoppedAt: null } as const;
        const now = new Date(start + offset);
        const ours = elapsedOf(clock, now);
        const theirs = clockStatus(clock as unknown as DeadlineClock, now, [WARNING_FRACTION]);
        expect(ours.elapsedFraction).toBeCloseTo(theirs.elapsedFraction, 12);
        expect(ours.remainingMs).toBe(theirs.remainingMs);
        expect(ours.breached).toBe(theirs.breached);
      }),
      { numRuns: 500 },
    );
  });

  it('orders the queue by the soonest deadline, answered cases last', () => {
    const row = (state: 'on-track' | 'met', dueBy: string) => ({ deadline: { state, dueBy, elapsedFraction: 0, remainingMs: 0 } });
    const rows = [row('met', '2026-11-01T00:00:00Z'), row('on-track', '2026-11-09T00:00:00Z'), row('on-track', '2026-11-05T00:00:00Z')];
    expect(rows.sort(byDeadline).map((r) => r.deadline.dueBy)).toEqual(['2026-11-05T00:00:00Z', '2026-11-09T00:00:00Z', '2026-11-01T00:00:00Z']);
  });

  it('splits the time left into days and hours', () => {
    expect(splitDuration(2 * DAY + 5 * 3_600_000 + 59_000)).toEqual({ overdue: false, days: 2, hours: 5 });
    expect(splitDuration(-(DAY + 3_600_000))).toEqual({ overdue: true, days: 1, hours: 1 });
  });
});
