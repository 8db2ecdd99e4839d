import {
  bindingDueBy,
  clockChangeTime,
  clockStatus,
  DeadlineClock,
  DeadlineClockError,
  DeadlineClockErrorCode,
  DeadlineWatchState,
  extendClock,
  nextDeadlineCheck,
  pauseClock,
  responseDeadlineStatus,
  restartClock,
  resumeClock,
  startClock,
  stopClock,
  watchAfterClockChange,
  watchAfterRegulatorDeadlineChange,
  warningsStillReached,
} from './deadline-clock';
import { DEFAULT_REGIMES, regimeFromConfig } from './deadlines';

/*
 * Expected dates are worked out by hand from the official calendars (see calendars.spec.ts):
 * China 2026: Mid-Autumn 25–27 Sep, National Day 1–7 Oct, Sat 10 Oct worked; 2025: 1–8 Oct off.
 * November 2026 has no Chinese holidays: Sat/Sun are 7/8, 14/15, 21/22, 28/29 Nov, 5/6 Dec.
 *
 * Pause rule under test: only local days wholly inside a pause are excluded (a partly paused day
 * counts as running); the due date is then recounted from the start and rolled forward again.
 */

const HOUR = 3_600_000;
const CN = DEFAULT_REGIMES['cn-cbirc'];
const UK = DEFAULT_REGIMES['uk-fca'];
const US = DEFAULT_REGIMES['us-cfpb'];

/** A wall-clock time in Shanghai (UTC+8 all year) as an instant. */
function cst(isoDate: string, hh: number, mm = 0): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, hh, mm) - 8 * HOUR);
}
/** The end of a Shanghai calendar day, as the clock stores it. */
const endOfCstDay = (isoDate: string): string => new Date(Date.parse(`${isoDate}T23:59:59.999Z`) - 8 * HOUR).toISOString();

function expectClockError(fn: () => unknown, code: DeadlineClockErrorCode): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DeadlineClockError);
    expect((e as DeadlineClockError).code).toBe(code);
    return;
  }
  throw new Error(`expected DeadlineClockError ${code}`);
}

/** Mon 2 Nov 2026 10:00 Shanghai: standard 15 days → Tue 17 Nov. */
const cnNovember = (): DeadlineClock => startClock({ regime: CN, period: 'standard', startedAt: cst('2026-11-02', 10) });

describe('startClock', () => {
  it('startClock_isAPlainJsonValue_withTheDueDateOfThePeriod', () => {
    const clock = cnNovember();
    expect(clock).toMatchObject({
      regimeId: 'cn-cbirc',
      period: 'standard',
      startedAt: '2026-11-02T02:00:00.000Z',
      dueBy: endOfCstDay('2026-11-17'),
      pauses: [],
      restarts: [],
      extensions: [],
      state: 'running',
      stoppedAt: null,
    });
    expect(JSON.parse(JSON.stringify(clock))).toEqual(clock);
  });

  it.each([
    ['cn-cbirc', 'standard', cst('2026-09-30', 10), endOfCstDay('2026-10-15')],
    ['cn-cbirc', 'standard', cst('2026-09-16', 10), endOfCstDay('2026-10-08')], // day 15 = 1 Oct → 8 Oct
    ['cn-cbirc', 'standard', new Date('2026-09-15T23:30:00Z'), endOfCstDay('2026-10-08')], // 16 Sep in Shanghai
    ['uk-fca', 'summary-resolution', new Date('2026-04-02T09:00:00Z'), '2026-04-09T22:59:59.999Z'], // Easter: Tue 7, Wed 8, Thu 9 (BST)
    ['uk-fca', 'payment-services', new Date('2026-12-23T12:00:00Z'), '2027-01-18T23:59:59.999Z'], // Christmas, substitute 28 Dec, 1 Jan
    ['us-cfpb', 'initial-response', new Date('2026-06-30T18:00:00Z'), '2026-07-16T03:59:59.999Z'], // 15 Jul EDT
    ['us-cfpb', 'final-response', new Date('2026-06-30T18:00:00Z'), '2026-08-30T03:59:59.999Z'], // 29 Aug EDT
  ] as const)('startClock_%s_%s_from_%s', (id, period, startedAt, dueBy) => {
    expect(startClock({ regime: DEFAULT_REGIMES[id], period, startedAt }).dueBy).toBe(dueBy);
  });

  it('startClock_defaultsToTheResponsePeriod_andAcceptsAnIsoString', () => {
    const clock = startClock({ regime: US, startedAt: '2026-06-30T18:00:00Z' });
    expect(clock.period).toBe('initial-response');
    expect(clock.dueBy).toBe('2026-07-16T03:59:59.999Z');
  });

  it('startClock_refusesAnUnknownPeriod_andAnInvalidTime', () => {
    expectClockError(() => startClock({ regime: UK, period: 'complex', startedAt: new Date() }), 'unknown-period');
    expectClockError(() => startClock({ regime: UK, startedAt: 'yesterday' }), 'invalid-time');
  });
});

describe('pauseClock / resumeClock (cn-cbirc: external appraisal, awaiting the customer)', () => {
  it.each([
    // [case, pause from, resume at, excluded days, new last day]
    ['Wed 4 Nov 15:00 → Mon 9 Nov 11:00: 5–8 Nov excluded; 2 Nov + 19 = Sat 21 Nov → Mon 23 Nov', cst('2026-11-04', 15), cst('2026-11-09', 11), 4, '2026-11-23'],
    ['within one day: nothing excluded', cst('2026-11-04', 9), cst('2026-11-04', 17), 0, '2026-11-17'],
    ['midnight to midnight: exactly Thu 5 Nov excluded → Wed 18 Nov', cst('2026-11-05', 0), cst('2026-11-06', 0), 1, '2026-11-18'],
    ['from midnight to 23:00 the same day: not a whole day', cst('2026-11-05', 0), cst('2026-11-05', 23), 0, '2026-11-17'],
    ['48 hours from Tue 10:00: only Wed 4 Nov is whole → Wed 18 Nov', cst('2026-11-03', 10), cst('2026-11-05', 10), 1, '2026-11-18'],
    ['paused on the day of receipt (not counted anyway) to the next morning', cst('2026-11-02', 11), cst('2026-11-03', 12), 0, '2026-11-17'],
  ])('%s', (_case, from, to, excluded, lastDay) => {
    const paused = pauseClock(cnNovember(), from, 'external-appraisal');
    expect(paused.state).toBe('paused');
    expect(paused.dueBy).toBe(endOfCstDay('2026-11-17'));
    const resumed = resumeClock(paused, to);
    expect(resumed.state).toBe('running');
    expect(resumed.pauses).toEqual([{ from: from.toISOString(), to: to.toISOString(), reason: 'external-appraisal', excludedDays: excluded }]);
    expect(resumed.dueBy).toBe(endOfCstDay(lastDay));
  });

  it.each([
    // started Wed 16 Sep 2026 10:00 (due 1 Oct → 8 Oct)
    ['Thu 17 → Mon 21 Sep: 18–20 excluded; 16 Sep + 18 = Sun 4 Oct (holiday) → Thu 8 Oct', cst('2026-09-21', 9), 3, '2026-10-08'],
    ['Thu 17 → Mon 28 Sep: 18–27 excluded; 16 Sep + 25 = Sun 11 Oct → Mon 12 Oct', cst('2026-09-28', 9), 10, '2026-10-12'],
  ])('across Golden Week the due date is rolled forward again: %s', (_case, resumeAt, excluded, lastDay) => {
    const started = startClock({ regime: CN, startedAt: cst('2026-09-16', 10) });
    expect(started.dueBy).toBe(endOfCstDay('2026-10-08'));
    const resumed = resumeClock(pauseClock(started, cst('2026-09-17', 9), 'awaiting-customer'), resumeAt);
    expect(resumed.pauses[0].excludedDays).toBe(excluded);
    expect(resumed.dueBy).toBe(endOfCstDay(lastDay));
  });

  it('businessDayPeriod_excludesOnlyTheWorkingDaysWhollyPaused', () => {
    // configured 15 business days from Mon 2 Nov: 3–6 (4), 9–13 (9), 16–20 (14), Mon 23 (15).
    // Paused Fri 6 Nov 12:00 → Tue 10 Nov 09:00: whole days Sat 7, Sun 8, Mon 9 → 1 working day → Tue 24 Nov
    const business = regimeFromConfig(CN, { periods: { standard: { dayBasis: 'business', rollForwardFromRestDay: false } } });
    const started = startClock({ regime: business, startedAt: cst('2026-11-02', 10) });
    expect(started.dueBy).toBe(endOfCstDay('2026-11-23'));
    const resumed = resumeClock(pauseClock(started, cst('2026-11-06', 12), 'external-appraisal'), cst('2026-11-10', 9));
    expect(resumed.pauses[0].excludedDays).toBe(1);
    expect(resumed.dueBy).toBe(endOfCstDay('2026-11-24'));
  });

  it('pauses_accumulate', () => {
    let clock = cnNovember();
    clock = resumeClock(pauseClock(clock, cst('2026-11-04', 15), 'external-appraisal'), cst('2026-11-09', 11)); // 5–8 Nov: 4
    clock = resumeClock(pauseClock(clock, cst('2026-11-10', 12), 'awaiting-customer'), cst('2026-11-14', 8)); // 11–13 Nov: 3
    // 2 Nov + 15 + 7 = Tue 24 Nov
    expect(clock.dueBy).toBe(endOfCstDay('2026-11-24'));
    expect(clock.pauses.map((p) => p.reason)).toEqual(['external-appraisal', 'awaiting-customer']);
  });

  it('transitions_doNotMutateTheirArgument_andSurviveAJsonRoundTrip', () => {
    const started = cnNovember();
    const snapshot = JSON.parse(JSON.stringify(started));
    const paused = pauseClock(started, cst('2026-11-04', 15), 'external-appraisal');
    expect(started).toEqual(snapshot);
    const stored = JSON.parse(JSON.stringify(paused)) as DeadlineClock;
    expect(resumeClock(stored, cst('2026-11-09', 11)).dueBy).toBe(endOfCstDay('2026-11-23'));
  });

  it.each([
    ['uk-fca has no stop-the-clock', () => pauseClock(startClock({ regime: UK, startedAt: new Date('2026-04-02T09:00:00Z') }), new Date('2026-04-03T09:00:00Z'), 'awaiting-customer'), 'pause-not-allowed'],
    ['us-cfpb has no stop-the-clock', () => pauseClock(startClock({ regime: US, startedAt: new Date('2026-06-30T18:00:00Z') }), new Date('2026-07-01T18:00:00Z'), 'external-appraisal'), 'pause-not-allowed'],
    [
      'a reason the configured regime does not list',
      () => pauseClock(startClock({ regime: regimeFromConfig(CN, { pauseReasons: ['external-appraisal'] }), startedAt: cst('2026-11-02', 10) }), cst('2026-11-03', 10), 'awaiting-customer'),
      'pause-not-allowed',
    ],
    ['already paused', () => pauseClock(pauseClock(cnNovember(), cst('2026-11-03', 10), 'external-appraisal'), cst('2026-11-04', 10), 'awaiting-customer'), 'already-paused'],
    ['resume when running', () => resumeClock(cnNovember(), cst('2026-11-03', 10)), 'not-paused'],
    ['pause before the clock started', () => pauseClock(cnNovember(), cst('2026-11-01', 10), 'external-appraisal'), 'out-of-order'],
    ['resume before the pause', () => resumeClock(pauseClock(cnNovember(), cst('2026-11-04', 10), 'external-appraisal'), cst('2026-11-03', 10)), 'out-of-order'],
    ['pause after the deadline passed', () => pauseClock(cnNovember(), cst('2026-11-18', 9), 'external-appraisal'), 'breached'],
    ['pause a stopped clock', () => pauseClock(stopClock(cnNovember(), cst('2026-11-05', 10)), cst('2026-11-06', 10), 'external-appraisal'), 'stopped'],
  ] as const)('refused: %s', (_case, fn, code) => {
    expectClockError(fn, code);
  });

  it('pauseClock_refusal_explainsTheRegime', () => {
    const uk = startClock({ regime: UK, startedAt: new Date('2026-04-02T09:00:00Z') });
    expect(() => pauseClock(uk, new Date('2026-04-03T09:00:00Z'), 'awaiting-customer')).toThrow(
      'uk-fca does not allow pausing for awaiting-customer (the regime has no stop-the-clock)',
    );
  });
});

describe('restartClock (new facts)', () => {
  it('restartClock_countsAfreshFromTheRestart_andKeepsTheHistory', () => {
    const restarted = restartClock(cnNovember(), cst('2026-11-10', 14), 'customer supplied new statements');
    // Tue 10 Nov + 15 = Wed 25 Nov
    expect(restarted.startedAt).toBe(cst('2026-11-10', 14).toISOString());
    expect(restarted.dueBy).toBe(endOfCstDay('2026-11-25'));
    expect(restarted.restarts).toEqual([
      {
        at: cst('2026-11-10', 14).toISOString(),
        why: 'customer supplied new statements',
        previousStartedAt: cst('2026-11-02', 10).toISOString(),
        previousDueBy: endOfCstDay('2026-11-17'),
        previousPauses: [],
      },
    ]);
  });

  it('restartClock_acrossNationalDay_rollsToTheFirstWorkingDay', () => {
    // started Sat 20 Sep 2025 → day 15 Sun 5 Oct (holiday) → Thu 9 Oct; restarted Mon 22 Sep →
    // day 15 Tue 7 Oct (holiday) → Thu 9 Oct; restarted Tue 30 Sep → Wed 15 Oct
    let clock = startClock({ regime: CN, startedAt: cst('2025-09-20', 10) });
    expect(clock.dueBy).toBe(endOfCstDay('2025-10-09'));
    clock = restartClock(clock, cst('2025-09-22', 10), 'new facts');
    expect(clock.dueBy).toBe(endOfCstDay('2025-10-09'));
    clock = restartClock(clock, cst('2025-09-30', 10), 'more new facts');
    expect(clock.dueBy).toBe(endOfCstDay('2025-10-15'));
    expect(clock.restarts).toHaveLength(2);
  });

  it('restartClock_whilePaused_endsThePause_andDropsItsEffect', () => {
    const paused = pauseClock(cnNovember(), cst('2026-11-04', 15), 'awaiting-customer');
    const restarted = restartClock(paused, cst('2026-11-09', 11), 'customer came back with new facts');
    expect(restarted.state).toBe('running');
    expect(restarted.pauses).toEqual([]);
    expect(restarted.restarts[0].previousPauses).toEqual([
      { from: cst('2026-11-04', 15).toISOString(), to: cst('2026-11-09', 11).toISOString(), reason: 'awaiting-customer', excludedDays: 4 },
    ]);
    // Mon 9 Nov + 15 = Tue 24 Nov
    expect(restarted.dueBy).toBe(endOfCstDay('2026-11-24'));
  });

  it.each([
    ['uk-fca', UK, new Date('2026-04-02T09:00:00Z')],
    ['us-cfpb', US, new Date('2026-06-30T18:00:00Z')],
  ] as const)('restartClock_refused_under_%s', (_id, regime, startedAt) => {
    const clock = startClock({ regime, startedAt });
    expectClockError(() => restartClock(clock, new Date(startedAt.getTime() + 24 * HOUR), 'new facts'), 'restart-not-allowed');
  });
});

describe('extendClock', () => {
  const senior = { id: 'staff-0001', senior: true };
  const handler = { id: 'staff-0042', senior: false };

  it('extendClock_cn_15to30to60_fromTheSameStart', () => {
    // received Thu 10 Sep 2026: 15 → Fri 25 Sep (Mid-Autumn) → Mon 28 Sep; 30 → Sat 10 Oct (调休 worked);
    // 60 → Mon 9 Nov
    let clock = startClock({ regime: CN, startedAt: cst('2026-09-10', 10) });
    expect(clock.dueBy).toBe(endOfCstDay('2026-09-28'));
    clock = extendClock(clock, 'complex', cst('2026-09-21', 10), handler);
    expect(clock.period).toBe('complex');
    expect(clock.dueBy).toBe(endOfCstDay('2026-10-10'));
    clock = extendClock(clock, 'senior-approved', cst('2026-10-09', 10), senior);
    expect(clock.dueBy).toBe(endOfCstDay('2026-11-09'));
    expect(clock.extensions).toEqual([
      { at: cst('2026-09-21', 10).toISOString(), fromPeriod: 'standard', toPeriod: 'complex', approvedBy: 'staff-0042', seniorApproval: false, previousDueBy: endOfCstDay('2026-09-28') },
      { at: cst('2026-10-09', 10).toISOString(), fromPeriod: 'complex', toPeriod: 'senior-approved', approvedBy: 'staff-0001', seniorApproval: true, previousDueBy: endOfCstDay('2026-10-10') },
    ]);
  });

  it('extendClock_keepsExcludedPauseDays', () => {
    // 4 days paused (5–8 Nov); complex: 2 Nov + 30 + 4 = Sun 6 Dec → Mon 7 Dec
    const resumed = resumeClock(pauseClock(cnNovember(), cst('2026-11-04', 15), 'external-appraisal'), cst('2026-11-09', 11));
    expect(extendClock(resumed, 'complex', cst('2026-11-10', 9), handler).dueBy).toBe(endOfCstDay('2026-12-07'));
  });

  it('extendClock_uk_paymentServicesToExceptional', () => {
    const clock = startClock({ regime: UK, period: 'payment-services', startedAt: new Date('2026-04-02T09:00:00Z') });
    expect(clock.dueBy).toBe('2026-04-27T22:59:59.999Z');
    // 35 business days: Wed 27 May 2026 (4 May and 25 May are bank holidays)
    expect(extendClock(clock, 'payment-services-exceptional', new Date('2026-04-20T09:00:00Z'), handler).dueBy).toBe('2026-05-27T22:59:59.999Z');
  });

  it.each([
    ['to a shorter period (complex → standard)', () => extendClock(extendClock(cnNovember(), 'complex', cst('2026-11-03', 9), handler), 'standard', cst('2026-11-04', 9), senior), 'extension-not-permitted'],
    ['to a period that is not listed (uk standard → payment-services)', () => extendClock(startClock({ regime: UK, startedAt: new Date('2026-04-02T09:00:00Z') }), 'payment-services', new Date('2026-04-03T09:00:00Z'), senior), 'extension-not-permitted'],
    ['to the review window', () => extendClock(cnNovember(), 'review-window', cst('2026-11-03', 9), senior), 'extension-not-permitted'],
    ['to 60 days without a senior approver', () => extendClock(cnNovember(), 'senior-approved', cst('2026-11-03', 9), handler), 'senior-approval-required'],
    ['without an approver', () => extendClock(cnNovember(), 'complex', cst('2026-11-03', 9), { id: '', senior: false }), 'senior-approval-required'],
    ['to an unknown period', () => extendClock(cnNovember(), 'forever', cst('2026-11-03', 9), senior), 'unknown-period'],
    ['after the deadline passed', () => extendClock(cnNovember(), 'complex', cst('2026-11-18', 9), senior), 'breached'],
    [
      // 10 business days from Mon 2 Nov end Mon 16 Nov, before the 15-calendar-day Tue 17 Nov
      'to a period that would not end later',
      () =>
        extendClock(
          startClock({ regime: regimeFromConfig(CN, { periods: { complex: { days: 10, dayBasis: 'business' } } }), startedAt: cst('2026-11-02', 10) }),
          'complex',
          cst('2026-11-03', 9),
          handler,
        ),
      'extension-not-longer',
    ],
  ] as const)('refused: %s', (_case, fn, code) => {
    expectClockError(fn, code);
  });
});

describe("bindingDueBy (a regulator referral's deadline against the clock)", () => {
  const approver = { id: 'staff-0042', senior: false };
  /** Tue 24 Feb 2026 10:00 Shanghai, the first working day after the Spring Festival: standard 15 days → Wed 11 Mar. */
  const referredInFebruary = (): DeadlineClock => startClock({ regime: CN, startedAt: cst('2026-02-24', 10) });

  it('bindingDueBy_regulatorEarlier_survivesARestartOnNewFacts', () => {
    const clock = referredInFebruary();
    const regulator = new Date(endOfCstDay('2026-03-06'));
    expect(clock.dueBy).toBe(endOfCstDay('2026-03-11'));
    expect(bindingDueBy(clock.dueBy, regulator).toISOString()).toBe(endOfCstDay('2026-03-06'));
    // Tue 3 Mar + 15 = Wed 18 Mar: the regime's date moves, the regulator's does not.
    const restarted = restartClock(clock, cst('2026-03-03', 10), 'new facts');
    expect(restarted.dueBy).toBe(endOfCstDay('2026-03-18'));
    expect(bindingDueBy(restarted.dueBy, regulator).toISOString()).toBe(endOfCstDay('2026-03-06'));
  });

  it('bindingDueBy_regulatorEarlier_survivesAnExtension', () => {
    // 24 Feb + 30 = Thu 26 Mar
    const extended = extendClock(referredInFebruary(), 'complex', cst('2026-03-03', 10), approver);
    expect(extended.dueBy).toBe(endOfCstDay('2026-03-26'));
    expect(bindingDueBy(extended.dueBy, endOfCstDay('2026-03-06')).toISOString()).toBe(endOfCstDay('2026-03-06'));
  });

  it('bindingDueBy_regulatorLaterAtFirst_bindsOnceAnExtensionPassesIt', () => {
    const clock = referredInFebruary();
    const regulator = endOfCstDay('2026-03-20');
    expect(bindingDueBy(clock.dueBy, regulator).toISOString()).toBe(endOfCstDay('2026-03-11'));
    const extended = extendClock(clock, 'complex', cst('2026-03-03', 10), approver);
    expect(bindingDueBy(extended.dueBy, regulator).toISOString()).toBe(endOfCstDay('2026-03-20'));
  });

  it('bindingDueBy_pausedAndResumed_theRegulatorsDateDoesNotMove', () => {
    // Paused Thu 26 Feb 15:00 to Tue 3 Mar 11:00: 27 Feb – 2 Mar (4 days) excluded → Sun 15 Mar → Mon 16 Mar.
    const resumed = resumeClock(pauseClock(referredInFebruary(), cst('2026-02-26', 15), 'external-appraisal'), cst('2026-03-03', 11));
    expect(resumed.dueBy).toBe(endOfCstDay('2026-03-16'));
    expect(bindingDueBy(resumed.dueBy, endOfCstDay('2026-03-06')).toISOString()).toBe(endOfCstDay('2026-03-06'));
  });

  it('bindingDueBy_noReferral_isTheClocksDate', () => {
    const clock = referredInFebruary();
    expect(bindingDueBy(clock.dueBy, null).toISOString()).toBe(clock.dueBy);
    expect(bindingDueBy(new Date(clock.dueBy), undefined).toISOString()).toBe(clock.dueBy);
  });

  it('bindingDueBy_unreadableDate_isRefused', () => {
    expectClockError(() => bindingDueBy(referredInFebruary().dueBy, 'next Friday'), 'invalid-time');
  });
});

describe('stopClock', () => {
  it('stopClock_endsAnOpenPause_andRefusesFurtherTransitions', () => {
    const stopped = stopClock(pauseClock(cnNovember(), cst('2026-11-04', 15), 'awaiting-customer'), cst('2026-11-06', 9));
    expect(stopped.state).toBe('stopped');
    expect(stopped.stoppedAt).toBe(cst('2026-11-06', 9).toISOString());
    expect(stopped.pauses[0].to).toBe(cst('2026-11-06', 9).toISOString());
    expectClockError(() => resumeClock(stopped, cst('2026-11-07', 9)), 'stopped');
    expectClockError(() => restartClock(stopped, cst('2026-11-07', 9), 'x'), 'stopped');
    expectClockError(() => extendClock(stopped, 'complex', cst('2026-11-07', 9), { id: 'a', senior: true }), 'stopped');
    expectClockError(() => stopClock(stopped, cst('2026-11-07', 9)), 'stopped');
  });
});

describe('clockStatus', () => {
  // us-cfpb initial response: 30 Jun 2026 18:00Z → end of 15 Jul EDT
  const start = Date.parse('2026-06-30T18:00:00Z');
  const due = Date.parse('2026-07-16T03:59:59.999Z');
  const total = due - start;
  const us = startClock({ regime: US, startedAt: new Date(start) });

  it.each([
    [0, [], false],
    [0.49, [], false],
    [0.5, [0.5], false],
    [0.8, [0.5, 0.75], false],
    [0.95, [0.5, 0.75, 0.9], false],
    [1, [0.5, 0.75, 0.9], false],
  ])('at %p of the period the warnings reached are %p', (fraction, warnings, breached) => {
    const now = new Date(start + Math.round(fraction * total));
    const s = clockStatus(us, now);
    expect(s.elapsedFraction).toBeCloseTo(fraction, 6);
    expect(s.warningsReached).toEqual(warnings);
    expect(s.breached).toBe(breached);
    expect(s.remainingMs).toBe(due - now.getTime());
    expect(s.dueBy).toBe('2026-07-16T03:59:59.999Z');
  });

  it('clockStatus_afterTheDeadline_isBreached', () => {
    const s = clockStatus(us, new Date(due + 1));
    expect(s.breached).toBe(true);
    expect(s.remainingMs).toBe(-1);
    expect(s.elapsedFraction).toBeGreaterThan(1);
  });

  it('clockStatus_customWarnings_andNonsenseRefused', () => {
    expect(clockStatus(us, new Date(start + total * 0.7), [0.9, 0.25]).warningsReached).toEqual([0.25]);
    expect(() => clockStatus(us, new Date(start), [0])).toThrow(RangeError);
    expect(() => clockStatus(us, new Date(start), [1.5])).toThrow(RangeError);
  });

  it('clockStatus_pausedTimeDoesNotCount', () => {
    const cnStart = Date.parse('2026-11-02T02:00:00Z'); // Mon 2 Nov 10:00 CST
    const cnDue = Date.parse(endOfCstDay('2026-11-17'));
    const pauseFrom = cst('2026-11-04', 15);
    const paused = pauseClock(cnNovember(), pauseFrom, 'external-appraisal');
    // while paused, the clock stands still at the moment it was paused
    const during1 = clockStatus(paused, cst('2026-11-06', 12));
    const during2 = clockStatus(paused, cst('2026-11-08', 12));
    expect(during1).toEqual(during2);
    expect(during1.remainingMs).toBe(cnDue - pauseFrom.getTime());
    expect(during1.elapsedFraction).toBeCloseTo((pauseFrom.getTime() - cnStart) / (cnDue - cnStart), 9);
    expect(during1.breached).toBe(false);

    // resumed Mon 9 Nov 11:00: due moves to the end of Mon 23 Nov; paused time is left out of both sides
    const resumeAt = cst('2026-11-09', 11);
    const resumed = resumeClock(paused, resumeAt);
    const newDue = Date.parse(endOfCstDay('2026-11-23'));
    const pausedMs = resumeAt.getTime() - pauseFrom.getTime();
    const now = resumeAt.getTime() + 5 * HOUR;
    const s = clockStatus(resumed, new Date(now));
    expect(s.remainingMs).toBe(newDue - now);
    expect(s.elapsedFraction).toBeCloseTo((now - cnStart - pausedMs) / (newDue - cnStart - pausedMs), 9);
  });

  it('clockStatus_ofAStoppedClock_isFrozenAtTheStop', () => {
    const stopAt = cst('2026-11-10', 10);
    const stopped = stopClock(cnNovember(), stopAt);
    const later = clockStatus(stopped, cst('2026-12-25', 10));
    expect(later.breached).toBe(false);
    expect(later.remainingMs).toBe(Date.parse(endOfCstDay('2026-11-17')) - stopAt.getTime());
  });
});

describe('clockChangeTime (events of different services handled in either order)', () => {
  const approver = { id: 'staff-0042', senior: false };
  /** Mon 2 Nov 2026 10:00; paused Wed 4 Nov 15:00, resumed Mon 9 Nov 11:00; new facts Tue 10 Nov 09:00; extended Wed 11 Nov 10:00. */
  const started = cnNovember();
  const paused = pauseClock(started, cst('2026-11-04', 15), 'external-appraisal');
  const resumed = resumeClock(paused, cst('2026-11-09', 11));
  const restarted = restartClock(resumed, cst('2026-11-10', 9), 'new facts');
  const extended = extendClock(restarted, 'complex', cst('2026-11-11', 10), approver);

  it.each([
    ['started, event later', started, cst('2026-11-03', 9), cst('2026-11-03', 9)],
    ['started, event before the start', started, cst('2026-11-02', 9), cst('2026-11-02', 10)],
    ['paused, event before the pause', paused, cst('2026-11-04', 14), cst('2026-11-04', 15)],
    ['resumed, event before the resume', resumed, cst('2026-11-06', 12), cst('2026-11-09', 11)],
    ['restarted, event 5 s before the restart', restarted, new Date(cst('2026-11-10', 9).getTime() - 5_000), cst('2026-11-10', 9)],
    ['extended, event 5 s before the extension', extended, new Date(cst('2026-11-11', 10).getTime() - 5_000), cst('2026-11-11', 10)],
    ['extended, event after it', extended, cst('2026-11-12', 8), cst('2026-11-12', 8)],
  ] as const)('%s', (_case, clock, eventAt, expected) => {
    expect(clockChangeTime(clock, eventAt).toISOString()).toBe(expected.toISOString());
    expect(clockChangeTime(clock, eventAt.toISOString()).toISOString()).toBe(expected.toISOString());
  });

  it.each([
    // What each transition does with the event's own time, and with clockChangeTime's.
    ['a withdrawal at 10:00:00 after an extension at 10:00:05', (c: DeadlineClock, at: Date) => stopClock(c, at), extendClock(cnNovember(), 'complex', new Date(cst('2026-11-05', 10).getTime() + 5_000), approver), cst('2026-11-05', 10)],
    ['an extension at 10:00:00 after new facts at 10:00:05', (c: DeadlineClock, at: Date) => extendClock(c, 'complex', at, approver), restartClock(cnNovember(), new Date(cst('2026-11-05', 10).getTime() + 5_000), 'new facts'), cst('2026-11-05', 10)],
    ['new facts at 10:00:00 after an extension at 10:00:05', (c: DeadlineClock, at: Date) => restartClock(c, at, 'new facts'), extendClock(cnNovember(), 'complex', new Date(cst('2026-11-05', 10).getTime() + 5_000), approver), cst('2026-11-05', 10)],
    ['the answer at 10:00:00 after a resume at 10:00:05', (c: DeadlineClock, at: Date) => stopClock(c, at), resumeClock(pauseClock(cnNovember(), cst('2026-11-04', 9), 'awaiting-customer'), new Date(cst('2026-11-05', 10).getTime() + 5_000)), cst('2026-11-05', 10)],
  ] as const)('%s: refused as out of order at its own time, applied at the clock’s last event', (_case, change, clock, eventAt) => {
    expectClockError(() => change(clock, eventAt), 'out-of-order');
    const applied = change(clock, clockChangeTime(clock, eventAt));
    expect(applied).toBeDefined();
  });

  it('clockChangeTime_unreadableTime_isRefused', () => {
    expectClockError(() => clockChangeTime(cnNovember(), 'soon'), 'invalid-time');
  });
});

describe("responseDeadlineStatus (the binding date: the clock's or the regulator's)", () => {
  const approver = { id: 'staff-0042', senior: false };
  /** Tue 24 Feb 2026 10:00 Shanghai: standard 15 days → end of Wed 11 Mar (374 h); a referral due the end of Fri 6 Mar (254 h). */
  const start = cst('2026-02-24', 10);
  const feb = (): DeadlineClock => startClock({ regime: CN, startedAt: start });
  const march6 = endOfCstDay('2026-03-06');
  const march20 = endOfCstDay('2026-03-20');
  const toRegulator = (regulator: string, at: Date) => (at.getTime() - start.getTime()) / (Date.parse(regulator) - start.getTime());
  const pausedOn3March = () => pauseClock(feb(), cst('2026-03-03', 10), 'external-appraisal');

  it.each([
    // case, clock, regulator's deadline, now, binding, due date, warnings reached, breached
    ['no referral: the clock alone', feb, null, cst('2026-03-06', 10), 'clock', endOfCstDay('2026-03-11'), [0.5], false],
    ['referral earlier, 1 Mar: 120 of 254 h', feb, march6, cst('2026-03-01', 10), 'regulator', march6, [], false],
    ['referral earlier, 2 Mar: 144 of 254 h', feb, march6, cst('2026-03-02', 10), 'regulator', march6, [0.5], false],
    ['referral earlier, 4 Mar: 192 of 254 h (the clock alone: 0.51)', feb, march6, cst('2026-03-04', 10), 'regulator', march6, [0.5, 0.75], false],
    ['referral earlier, 6 Mar 10:00: 240 of 254 h (the clock alone: 0.64)', feb, march6, cst('2026-03-06', 10), 'regulator', march6, [0.5, 0.75, 0.9], false],
    ['referral earlier, 7 Mar: breached though the clock runs to 11 Mar', feb, march6, cst('2026-03-07', 9), 'regulator', march6, [0.5, 0.75, 0.9], true],
    ['referral later: the clock binds', feb, march20, cst('2026-03-06', 10), 'clock', endOfCstDay('2026-03-11'), [0.5], false],
    ['referral later: the clock breaches first', feb, march20, cst('2026-03-12', 9), 'clock', endOfCstDay('2026-03-11'), [0.5, 0.75, 0.9], true],
    ['paused 3 Mar, 5 Mar: the regulator runs on', pausedOn3March, march6, cst('2026-03-05', 10), 'regulator', march6, [0.5, 0.75], false],
    ['paused 3 Mar, 7 Mar: breached while paused', pausedOn3March, march6, cst('2026-03-07', 10), 'regulator', march6, [0.5, 0.75, 0.9], true],
    ['paused 3 Mar, referral 20 Mar past the clock: it binds while paused, 19 Mar', pausedOn3March, march20, cst('2026-03-19', 10), 'regulator', march20, [0.5, 0.75, 0.9], false],
    ['paused 3 Mar, referral 20 Mar, 21 Mar: breached while paused', pausedOn3March, march20, cst('2026-03-21', 9), 'regulator', march20, [0.5, 0.75, 0.9], true],
    ['paused 3 Mar, resumed 20 Mar: breached 6 Mar all the same', () => resumeClock(pausedOn3March(), cst('2026-03-20', 10)), march6, cst('2026-03-20', 10), 'regulator', march6, [0.5, 0.75, 0.9], true],
    ['answered while paused, after the regulator’s date', () => stopClock(pausedOn3March(), cst('2026-03-10', 10)), march6, cst('2026-03-20', 10), 'regulator', march6, [0.5, 0.75, 0.9], true],
    ['answered while paused, before the regulator’s date', () => stopClock(pausedOn3March(), cst('2026-03-05', 10)), march6, cst('2026-03-20', 10), 'regulator', march6, [0.5, 0.75], false],
    ['new facts 3 Mar: the regulator’s share still counts from acceptance', () => restartClock(feb(), cst('2026-03-03', 10), 'new facts'), march6, cst('2026-03-05', 10), 'regulator', march6, [0.5, 0.75], false],
    ['extended to 26 Mar: the referral of 20 Mar binds, 19 Mar', () => extendClock(feb(), 'complex', cst('2026-03-03', 10), approver), march20, cst('2026-03-19', 10), 'regulator', march20, [0.5, 0.75, 0.9], false],
  ] as const)('%s', (_case, clock, regulator, now, binding, dueBy, warnings, breached) => {
    const c = clock();
    const status = responseDeadlineStatus(c, regulator, now);
    expect(status).toMatchObject({ binding, dueBy, warningsReached: warnings, breached });
    // The regulator's share is calendar time since acceptance, frozen once the clock stopped.
    const until = c.stoppedAt ? new Date(Math.min(now.getTime(), Date.parse(c.stoppedAt))) : now;
    if (binding === 'regulator') expect(status.elapsedFraction).toBeCloseTo(toRegulator(regulator!, until), 9);
  });

  it('responseDeadlineStatus_noReferral_isTheClocksStatus', () => {
    for (const now of [cst('2026-02-25', 9), cst('2026-03-06', 10), cst('2026-03-12', 9)]) {
      const own = clockStatus(feb(), now);
      expect(responseDeadlineStatus(feb(), null, now)).toEqual({ dueBy: own.dueBy, binding: 'clock', elapsedFraction: own.elapsedFraction, warningsReached: own.warningsReached, breached: own.breached });
    }
  });
});

describe('nextDeadlineCheck (when the watch looks next)', () => {
  const start = cst('2026-02-24', 10);
  const feb = (): DeadlineClock => startClock({ regime: CN, startedAt: start });
  const march6 = endOfCstDay('2026-03-06');
  const clockDue = Date.parse(endOfCstDay('2026-03-11'));
  const atShare = (share: number, regulator: string) => new Date(Math.ceil(start.getTime() + share * (Date.parse(regulator) - start.getTime())));
  const atClockShare = (share: number) => new Date(Math.ceil(start.getTime() + share * (clockDue - start.getTime())));
  const pausedOn3March = () => pauseClock(feb(), cst('2026-03-03', 10), 'external-appraisal');
  const F = [0.5, 0.75, 0.9];

  it.each([
    // case, clock, regulator's deadline, warnings raised, now, expected (a date, 'now' or null)
    ['no referral: the next warning of the clock', feb, null, [], cst('2026-02-25', 10), atClockShare(0.5)],
    ['no referral, all warned: the clock’s due date', feb, null, F, cst('2026-03-10', 10), new Date(clockDue + 1)],
    ['referral earlier: its next warning, not the clock’s', feb, march6, [], cst('2026-02-25', 10), atShare(0.5, march6)],
    ['referral earlier, 0.5 raised', feb, march6, [0.5], cst('2026-03-02', 10), atShare(0.75, march6)],
    ['referral earlier, all warned: its date', feb, march6, F, cst('2026-03-06', 10), new Date(Date.parse(march6) + 1)],
    ['a warning owed: now', feb, march6, [], cst('2026-03-04', 10), 'now'],
    ['breached: now', feb, march6, F, cst('2026-03-07', 9), 'now'],
    ['paused, no referral: nothing runs', pausedOn3March, null, [0.5], cst('2026-03-04', 10), null],
    ['paused, referral: its next warning', pausedOn3March, march6, [0.5], cst('2026-03-03', 10), atShare(0.75, march6)],
    ['paused, referral, all warned: its date', pausedOn3March, march6, F, cst('2026-03-06', 10), new Date(Date.parse(march6) + 1)],
    ['paused, referral passed: now', pausedOn3March, march6, F, cst('2026-03-07', 10), 'now'],
    ['answered in time: never', () => stopClock(feb(), cst('2026-03-05', 10)), march6, [0.5], cst('2026-03-05', 10), null],
    ['answered while paused after the referral’s date: the breach is owed', () => stopClock(pausedOn3March(), cst('2026-03-10', 10)), march6, F, cst('2026-03-10', 10), 'now'],
  ] as const)('%s', (_case, clock, regulator, raised, now, expected) => {
    const next = nextDeadlineCheck(clock(), regulator, F, raised, now);
    if (expected === null) expect(next).toBeNull();
    else expect(next!.toISOString()).toBe((expected === 'now' ? now : expected).toISOString());
  });

  it('nextDeadlineCheck_isAlwaysAfterNow_whenNothingIsOwed', () => {
    // A fraction computed a hair before now must not make the watch look again at once, for ever.
    const clock = feb();
    const now = atShare(0.5, march6);
    const next = nextDeadlineCheck(clock, march6, F, [0.5], now)!;
    expect(next.getTime()).toBeGreaterThan(now.getTime());
  });
});

describe('watchAfterClockChange (what the watch keeps when the clock changes)', () => {
  const approver = { id: 'staff-0042', senior: false };
  const start = cst('2026-02-24', 10);
  const feb = (): DeadlineClock => startClock({ regime: CN, startedAt: start });
  const march6 = new Date(endOfCstDay('2026-03-06'));
  const F = [0.5, 0.75, 0.9];
  const state = (clock: DeadlineClock, over: Partial<DeadlineWatchState> = {}): DeadlineWatchState => ({
    responseDueBy: bindingDueBy(clock.dueBy, over.regulatorDeadline ?? null),
    regulatorDeadline: null,
    warningsRaised: [],
    breachedAt: null,
    ...over,
  });

  it.each([
    // case, before, change, at, warnings kept
    // 6 Mar: 240 of 374 h of the 15 days (0.64); of the 30 days to 26 Mar, 240 of 734 h (0.33).
    ['extended 15 → 30 days on 6 Mar: 0.5 is no longer reached', F.slice(0, 1), null, 'extended', cst('2026-03-06', 10), []],
    // 11 Mar: 360 of 374 h (0.96); of 734 h, 0.49.
    ['extended on 11 Mar: none of the three is reached', F, null, 'extended', cst('2026-03-11', 10), []],
    ['extended with a referral of 6 Mar binding: its warnings stand', [0.5, 0.75], march6, 'extended', cst('2026-03-05', 10), [0.5, 0.75]],
    ['new facts: the regime’s period afresh', [0.5], null, 'restarted', cst('2026-03-06', 10), []],
    ['new facts with a referral binding: its warnings stand', [0.5, 0.75], march6, 'restarted', cst('2026-03-05', 10), [0.5, 0.75]],
    ['paused: nothing moves', [0.5], null, 'paused', cst('2026-03-06', 10), [0.5]],
    ['paused with a later referral: the clock’s warnings stand', [0.5], new Date(endOfCstDay('2026-03-30')), 'paused', cst('2026-03-06', 10), [0.5]],
    ['stopped', [0.5], null, 'stopped', cst('2026-03-06', 10), [0.5]],
  ] as const)('%s', (_case, raised, regulatorDeadline, change, at, kept) => {
    const before = feb();
    const after =
      change === 'extended' ? extendClock(before, 'complex', at, approver)
      : change === 'restarted' ? restartClock(before, at, 'new facts')
      : change === 'paused' ? pauseClock(before, at, 'external-appraisal')
      : stopClock(before, at);
    const watch = watchAfterClockChange(state(before, { regulatorDeadline, warningsRaised: [...raised] }), after, change, at, F, at);
    expect(watch.warningsRaised).toEqual(kept);
    // A pause or a stop keeps them all; otherwise what is kept is what is still reached.
    if (change !== 'paused' && change !== 'stopped') expect(warningsStillReached(after, regulatorDeadline, raised, at)).toEqual(kept);
  });

  it('an extension after the warnings: they are raised again before the new, later breach', () => {
    const at = cst('2026-03-11', 10);
    const extended = extendClock(feb(), 'complex', at, approver);
    const watch = watchAfterClockChange(state(feb(), { warningsRaised: F }), extended, 'extended', at, F, at);
    expect(watch.responseDueBy.toISOString()).toBe(endOfCstDay('2026-03-26'));
    expect(watch.warningsRaised).toEqual([]);
    // 0.5 of 24 Feb 10:00 → the end of 26 Mar (734 h) is 367 h: about 11 Mar 17:00 Shanghai, long before 26 Mar.
    expect(Math.abs(watch.nextCheckAt!.getTime() - cst('2026-03-11', 17).getTime())).toBeLessThanOrEqual(1);
  });

  it.each([
    // case, regulator's deadline, breached at, new facts at, breach kept
    ['the regime’s date missed: new facts clear it', null, new Date(Date.parse(endOfCstDay('2026-03-11')) + 60_000), cst('2026-03-12', 10), false],
    ['the regulator’s date missed: it stands', march6, new Date(march6.getTime() + 60_000), cst('2026-03-09', 10), true],
  ] as const)('restart after a breach: %s', (_case, regulatorDeadline, breachedAt, at, kept) => {
    // The clock's own date passed unanswered: restartClock still accepts new facts (the restart is not refused after a breach).
    const restarted = restartClock(feb(), at, 'new facts');
    const watch = watchAfterClockChange(state(feb(), { regulatorDeadline, breachedAt, warningsRaised: F }), restarted, 'restarted', at, F, at);
    expect(watch.breachedAt).toEqual(kept ? breachedAt : null);
    expect(watch.nextCheckAt === null).toBe(kept);
  });

  it.each([
    // case, regulator's deadline, paused at, stopped at, next check
    ['answered in time', march6, cst('2026-03-03', 10), cst('2026-03-05', 10), null],
    ['answered while paused, after the regulator’s date: the breach is owed', march6, cst('2026-03-03', 10), cst('2026-03-10', 10), 'at'],
  ] as const)('stopped: %s', (_case, regulatorDeadline, pausedAt, stoppedAt, next) => {
    const paused = pauseClock(feb(), pausedAt, 'external-appraisal');
    const before = state(paused, { regulatorDeadline, warningsRaised: [0.5, 0.75] });
    const watch = watchAfterClockChange(before, stopClock(paused, stoppedAt), 'stopped', stoppedAt, F, stoppedAt);
    expect(watch.responseDueBy).toEqual(before.responseDueBy);
    expect(watch.nextCheckAt).toEqual(next === null ? null : stoppedAt);
  });
});

describe("watchAfterRegulatorDeadlineChange (the regulator moved its referral's deadline)", () => {
  const start = cst('2026-02-24', 10);
  const feb = (): DeadlineClock => startClock({ regime: CN, startedAt: start });
  const march6 = new Date(endOfCstDay('2026-03-06'));
  const march11 = endOfCstDay('2026-03-11');
  const F = [0.5, 0.75, 0.9];
  const at = cst('2026-03-05', 10);
  const state = (over: Partial<DeadlineWatchState>): DeadlineWatchState => ({
    responseDueBy: bindingDueBy(feb().dueBy, over.regulatorDeadline ?? null),
    regulatorDeadline: null,
    warningsRaised: [],
    breachedAt: null,
    ...over,
  });

  it('more time granted past the regime’s date: the regime’s clock binds again, and warnings no longer reached are forgotten', () => {
    // 5 Mar 10:00: of the calendar time to 6 Mar (254 h), 216 h (0.85); of the clock's 374 running hours, 0.58.
    const watch = watchAfterRegulatorDeadlineChange(state({ regulatorDeadline: march6, warningsRaised: [0.5, 0.75] }), feb(), new Date(endOfCstDay('2026-03-20')), at, F, at);
    expect(watch.responseDueBy.toISOString()).toBe(march11);
    expect(watch.regulatorDeadline.toISOString()).toBe(endOfCstDay('2026-03-20'));
    expect(watch.warningsRaised).toEqual([0.5]);
    // 0.75 is raised again under the regime's date, before it is breached.
    expect(watch.nextCheckAt!.getTime()).toBeGreaterThan(at.getTime());
    expect(watch.nextCheckAt!.getTime()).toBeLessThan(Date.parse(march11));
    expect(responseDeadlineStatus(feb(), watch.regulatorDeadline, at, F).binding).toBe('clock');
  });

  it('more time granted, still before the regime’s date: the new deadline binds', () => {
    const march9 = new Date(endOfCstDay('2026-03-09'));
    const watch = watchAfterRegulatorDeadlineChange(state({ regulatorDeadline: march6, warningsRaised: [0.5, 0.75] }), feb(), march9, at, F, at);
    expect(watch.responseDueBy).toEqual(march9);
    expect(watch.responseDueBy).toEqual(bindingDueBy(feb().dueBy, march9));
  });

  it('a shorter deadline binds at once, keeps the warnings raised and looks again now for those now reached', () => {
    // A referral later than the regime's (30 Mar), moved to 6 Mar: 0.85 of the calendar time is gone on 5 Mar.
    const watch = watchAfterRegulatorDeadlineChange(state({ regulatorDeadline: new Date(endOfCstDay('2026-03-30')), warningsRaised: [0.5] }), feb(), march6, at, F, at);
    expect(watch.responseDueBy).toEqual(march6);
    expect(watch.warningsRaised).toEqual([0.5]);
    expect(watch.nextCheckAt).toEqual(at);
  });

  it('a breach already raised stands, whichever way the deadline moves, and the watch stops', () => {
    const breachedAt = new Date(march6.getTime() + 60_000);
    const later = cst('2026-03-07', 10);
    const watch = watchAfterRegulatorDeadlineChange(state({ regulatorDeadline: march6, breachedAt, warningsRaised: F }), feb(), new Date(endOfCstDay('2026-03-20')), later, F, later);
    expect(watch.breachedAt).toEqual(breachedAt);
    expect(watch.nextCheckAt).toBeNull();
  });

  it('a stopped clock keeps the date it had', () => {
    const stopped = stopClock(feb(), cst('2026-03-04', 10));
    const before = state({ regulatorDeadline: march6, warningsRaised: [0.5] });
    const watch = watchAfterRegulatorDeadlineChange(before, stopped, new Date(endOfCstDay('2026-03-20')), at, F, at);
    expect(watch.responseDueBy).toEqual(before.responseDueBy);
    expect(watch.warningsRaised).toEqual([0.5]);
    expect(watch.nextCheckAt).toBeNull();
  });
});
