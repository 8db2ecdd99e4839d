import { DateTime } from 'luxon';
import { DEFAULT_REGIMES, DeadlineRegime, responseDueBy, RestDayCalendar, weekendsOnly } from './deadlines';

/*
 * Expectations are derived by hand from the rules, never from luxon:
 *  - the day of receipt is not counted, the period starts the next local day (Civil Code Art. 201);
 *  - the response is due at the end (24:00) of the last day in the regime's zone (Art. 203);
 *  - cn-cbirc: a last day that is a rest day moves to the next working day (Art. 203).
 * Instants are built with Date.UTC and the zone's fixed offset for that date
 * (Asia/Shanghai is UTC+8 all year; Europe/London is UTC+0 in winter, UTC+1 in summer time).
 */

const HOUR = 3_600_000;

/** The last millisecond of local calendar day `isoDate` in a zone at UTC+`offsetHours` that day. */
function endOfLocalDay(isoDate: string, offsetHours: number): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, 23, 59, 59, 999) - offsetHours * HOUR);
}

/** A local wall-clock time in a zone at UTC+`offsetHours`, as an instant. */
function localTime(isoDate: string, hh: number, mm: number, ss: number, offsetHours: number): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, hh, mm, ss) - offsetHours * HOUR);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** Guards the test data: the weekday of a calendar date, independent of any zone library. */
const weekdayOf = (isoDate: string): string => WEEKDAYS[new Date(`${isoDate}T00:00:00Z`).getUTCDay()];

const CN = DEFAULT_REGIMES['cn-cbirc'];
const UK = DEFAULT_REGIMES['uk-fca'];

/**
 * A holiday calendar of the shape a deployment plugs in: listed public holidays are rest days;
 * weekends are rest days unless listed as 调休 make-up working days. (Test data, not an official
 * State Council schedule.)
 */
function holidayCalendar(holidays: string[], makeUpWorkingDays: string[]): RestDayCalendar {
  const rest = new Set(holidays);
  const work = new Set(makeUpWorkingDays);
  return {
    isRestDay: (d: DateTime) => {
      const iso = d.toISODate()!;
      if (rest.has(iso)) return true;
      if (work.has(iso)) return false;
      return d.weekday === 6 || d.weekday === 7;
    },
  };
}

// National-Day-style golden week: Thu 1 Oct – Wed 7 Oct 2026 off, Sun 20 Sep and Sat 10 Oct worked.
const GOLDEN_WEEK = holidayCalendar(
  ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  ['2026-09-20', '2026-10-10'],
);
// A single weekday holiday (a Friday) followed by an ordinary weekend.
const FRIDAY_HOLIDAY = holidayCalendar(['2026-06-19'], []);

describe('test data guards', () => {
  it('weekdays_usedByTheCases_areWhatTheCasesAssume', () => {
    expect(weekdayOf('2026-11-19')).toBe('Thu');
    expect(weekdayOf('2026-11-20')).toBe('Fri');
    expect(weekdayOf('2026-12-04')).toBe('Fri');
    expect(weekdayOf('2026-12-05')).toBe('Sat');
    expect(weekdayOf('2026-12-06')).toBe('Sun');
    expect(weekdayOf('2026-12-07')).toBe('Mon');
    expect(weekdayOf('2026-10-01')).toBe('Thu');
    expect(weekdayOf('2026-10-10')).toBe('Sat');
    expect(weekdayOf('2026-06-19')).toBe('Fri');
    expect(weekdayOf('2026-04-26')).toBe('Sun');
  });
});

describe('responseDueBy — cn-cbirc (15 calendar days, Asia/Shanghai, Civil Code)', () => {
  it('responseDueBy_dayOfReceiptIsNotCounted_lastDayIsReceiptDayPlus15', () => {
    // received Thu 19 Nov 10:00 → counting starts Fri 20 Nov → day 15 is Fri 4 Dec (a working day)
    const due = responseDueBy(localTime('2026-11-19', 10, 0, 0, 8), CN);
    expect(due).toEqual(endOfLocalDay('2026-12-04', 8));
  });

  it('responseDueBy_isTheEndOfTheLastLocalDay_notAFixedNumberOfHoursAfterReceipt', () => {
    const early = responseDueBy(localTime('2026-11-19', 0, 0, 1, 8), CN);
    const late = responseDueBy(localTime('2026-11-19', 23, 59, 58, 8), CN);
    expect(early).toEqual(late);
    expect(early.toISOString()).toBe('2026-12-04T15:59:59.999Z'); // 23:59:59.999 at UTC+8
  });

  it('responseDueBy_receivedOneSecondBeforeShanghaiMidnight_countsFromTheNextShanghaiDay', () => {
    // 2026-11-19T15:59:59Z is Thu 19 Nov 23:59:59 in Shanghai → last day Fri 4 Dec
    const receivedAt = new Date('2026-11-19T15:59:59Z');
    expect(responseDueBy(receivedAt, CN)).toEqual(endOfLocalDay('2026-12-04', 8));
  });

  it('responseDueBy_receivedAtShanghaiMidnight_isAlreadyTheNextLocalDay_evenThoughTheUtcDateIsUnchanged', () => {
    // 2026-11-19T16:00:00Z is Fri 20 Nov 00:00 in Shanghai (UTC date still 19 Nov) → day 15 is Sat 5 Dec
    // → rest day → rolls to Mon 7 Dec
    const receivedAt = new Date('2026-11-19T16:00:00Z');
    expect(responseDueBy(receivedAt, CN)).toEqual(endOfLocalDay('2026-12-07', 8));
  });

  it('responseDueBy_theTwoSidesOfShanghaiMidnight_differ', () => {
    const before = responseDueBy(new Date('2026-11-19T15:59:59.999Z'), CN);
    const after = responseDueBy(new Date('2026-11-19T16:00:00.000Z'), CN);
    expect(before).not.toEqual(after);
  });

  it('responseDueBy_receivedLateOnTheUtcDay_usesTheShanghaiDate', () => {
    // 2026-11-19T23:30Z is Fri 20 Nov 07:30 in Shanghai; counting by the UTC date (19 Nov) would give Fri 4 Dec
    const receivedAt = new Date('2026-11-19T23:30:00Z');
    expect(responseDueBy(receivedAt, CN)).toEqual(endOfLocalDay('2026-12-07', 8));
  });

  it('responseDueBy_whenLastDayIsSaturday_rollsToMonday', () => {
    // received Fri 20 Nov → day 15 Sat 5 Dec → Mon 7 Dec
    expect(responseDueBy(localTime('2026-11-20', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-12-07', 8));
  });

  it('responseDueBy_whenLastDayIsSunday_rollsToMonday', () => {
    // received Sat 21 Nov → day 15 Sun 6 Dec → Mon 7 Dec
    expect(responseDueBy(localTime('2026-11-21', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-12-07', 8));
  });

  it('responseDueBy_whenLastDayIsAWorkingDay_doesNotRoll', () => {
    // received Sun 22 Nov → day 15 Mon 7 Dec; received Mon 23 Nov → Tue 8 Dec
    expect(responseDueBy(localTime('2026-11-22', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-12-07', 8));
    expect(responseDueBy(localTime('2026-11-23', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-12-08', 8));
  });

  it('responseDueBy_restDaysInsideThePeriod_stillCount_onlyTheLastDayRolls', () => {
    // 15 calendar days always, whatever weekends fall inside: received Wed 2 Dec → Thu 17 Dec
    expect(responseDueBy(localTime('2026-12-02', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-12-17', 8));
  });

  it('responseDueBy_defaultCalendar_knowsOnlyWeekends', () => {
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-05', { zone: 'Asia/Shanghai' }))).toBe(true);
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-06', { zone: 'Asia/Shanghai' }))).toBe(true);
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-07', { zone: 'Asia/Shanghai' }))).toBe(false);
    // a weekday public holiday is not a rest day for the default calendar: no roll
    // received Thu 4 Jun → day 15 Fri 19 Jun
    expect(responseDueBy(localTime('2026-06-04', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-06-19', 8));
  });

  describe('with a custom RestDayCalendar (public holidays and 调休)', () => {
    it('responseDueBy_whenLastDayIsAWeekdayHolidayBeforeAWeekend_rollsPastHolidayAndWeekend', () => {
      // received Thu 4 Jun → day 15 Fri 19 Jun (holiday) → Sat 20, Sun 21 rest → Mon 22 Jun
      expect(responseDueBy(localTime('2026-06-04', 9, 0, 0, 8), CN, FRIDAY_HOLIDAY)).toEqual(
        endOfLocalDay('2026-06-22', 8),
      );
    });

    it('responseDueBy_whenLastDayFallsInsideAHolidayBlock_endsTheDayAfterTheBlock', () => {
      // received Wed 16 Sep → day 15 Thu 1 Oct (holiday) → 1–7 Oct off → Thu 8 Oct
      expect(responseDueBy(localTime('2026-09-16', 9, 0, 0, 8), CN, GOLDEN_WEEK)).toEqual(
        endOfLocalDay('2026-10-08', 8),
      );
      // received Tue 22 Sep → day 15 Wed 7 Oct (last holiday) → Thu 8 Oct
      expect(responseDueBy(localTime('2026-09-22', 9, 0, 0, 8), CN, GOLDEN_WEEK)).toEqual(
        endOfLocalDay('2026-10-08', 8),
      );
    });

    it('responseDueBy_whenLastDayIsAMakeUpWorkingSaturday_doesNotRoll', () => {
      // received Fri 25 Sep → day 15 Sat 10 Oct, a 调休 working day → due that Saturday
      expect(responseDueBy(localTime('2026-09-25', 9, 0, 0, 8), CN, GOLDEN_WEEK)).toEqual(
        endOfLocalDay('2026-10-10', 8),
      );
      // control: with weekends only, the same Saturday is a rest day and rolls to Mon 12 Oct
      expect(responseDueBy(localTime('2026-09-25', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-10-12', 8));
    });

    it('responseDueBy_whenLastDayIsTheDayBeforeTheHolidays_doesNotRoll', () => {
      // received Tue 15 Sep → day 15 Wed 30 Sep, a working day
      expect(responseDueBy(localTime('2026-09-15', 9, 0, 0, 8), CN, GOLDEN_WEEK)).toEqual(
        endOfLocalDay('2026-09-30', 8),
      );
    });

    it('responseDueBy_calendarIsAskedAboutShanghaiDates', () => {
      const asked: string[] = [];
      const spy: RestDayCalendar = {
        isRestDay: (d) => {
          asked.push(`${d.toISODate()} ${d.zoneName}`);
          return weekendsOnly.isRestDay(d);
        },
      };
      // received 2026-11-19T16:00Z = Fri 20 Nov 00:00 Shanghai → day 15 Sat 5 Dec → Sun 6 → Mon 7
      responseDueBy(new Date('2026-11-19T16:00:00Z'), CN, spy);
      expect(asked).toEqual(['2026-12-05 Asia/Shanghai', '2026-12-06 Asia/Shanghai', '2026-12-07 Asia/Shanghai']);
    });
  });
});

describe('responseDueBy — uk-fca (56 calendar days, Europe/London, no roll)', () => {
  it('responseDueBy_overTheSpringDstChange_endsAtLocalMidnightInSummerTime', () => {
    // received Sun 1 Mar 2026 12:00 GMT; clocks go forward Sun 29 Mar.
    // 1 Mar + 56 days = 26 Apr (30 days to 31 Mar, 26 more); end of 26 Apr BST = 22:59:59.999Z
    const due = responseDueBy(new Date('2026-03-01T12:00:00Z'), UK);
    expect(due).toEqual(endOfLocalDay('2026-04-26', 1));
    expect(due.toISOString()).toBe('2026-04-26T22:59:59.999Z');
  });

  it('responseDueBy_overTheAutumnDstChange_endsAtLocalMidnightInWinterTime', () => {
    // received Sat 10 Oct 2026 10:00 BST (09:00Z); clocks go back Sun 25 Oct.
    // 10 Oct + 56 days = 5 Dec (21 to 31 Oct, 30 in Nov, 5 in Dec); end of 5 Dec GMT = 23:59:59.999Z
    const due = responseDueBy(new Date('2026-10-10T09:00:00Z'), UK);
    expect(due).toEqual(endOfLocalDay('2026-12-05', 0));
  });

  it('responseDueBy_ukLastDayOnAWeekend_isNotRolled', () => {
    // 26 Apr 2026 is a Sunday; FCA counting does not roll
    expect(weekdayOf('2026-04-26')).toBe('Sun');
    expect(responseDueBy(new Date('2026-03-01T12:00:00Z'), UK)).toEqual(endOfLocalDay('2026-04-26', 1));
  });

  it('responseDueBy_receivedJustAfterLondonMidnightInSummer_countsFromTheLondonDate', () => {
    // 2026-06-10T23:30Z is Thu 11 Jun 00:30 BST → 11 Jun + 56 = 6 Aug → 22:59:59.999Z
    expect(responseDueBy(new Date('2026-06-10T23:30:00Z'), UK)).toEqual(endOfLocalDay('2026-08-06', 1));
    // 2026-06-10T22:59:59Z is Wed 10 Jun 23:59:59 BST → 5 Aug
    expect(responseDueBy(new Date('2026-06-10T22:59:59Z'), UK)).toEqual(endOfLocalDay('2026-08-05', 1));
  });
});

describe('responseDueBy — business-day basis (custom regime)', () => {
  const businessCn: DeadlineRegime = {
    id: 'cn-cbirc',
    timeZone: 'Asia/Shanghai',
    responseDays: 5,
    dayBasis: 'business',
    rollForwardFromRestDay: false,
  };

  it('responseDueBy_businessDays_skipWeekendsWhileCounting', () => {
    // received Fri 20 Nov → Mon 23, Tue 24, Wed 25, Thu 26, Fri 27
    expect(responseDueBy(localTime('2026-11-20', 10, 0, 0, 8), businessCn)).toEqual(endOfLocalDay('2026-11-27', 8));
  });

  it('responseDueBy_businessDays_receivedOnAWeekend_startsOnMonday', () => {
    // received Sat 21 Nov → Mon 23 … Fri 27
    expect(responseDueBy(localTime('2026-11-21', 10, 0, 0, 8), businessCn)).toEqual(endOfLocalDay('2026-11-27', 8));
  });

  it('responseDueBy_businessDays_receiptDayNotCounted_evenOnAWorkingDay', () => {
    // received Thu 19 Nov 23:59 → Fri 20, Mon 23, Tue 24, Wed 25, Thu 26
    expect(responseDueBy(localTime('2026-11-19', 23, 59, 0, 8), businessCn)).toEqual(endOfLocalDay('2026-11-26', 8));
  });

  it('responseDueBy_businessDays_skipHolidaysAndCountMakeUpWorkingDays', () => {
    // received Tue 29 Sep → Wed 30 Sep (1); 1–7 Oct holiday; Thu 8 (2), Fri 9 (3), Sat 10 make-up (4);
    // Sun 11 rest; Mon 12 (5)
    expect(responseDueBy(localTime('2026-09-29', 10, 0, 0, 8), businessCn, GOLDEN_WEEK)).toEqual(
      endOfLocalDay('2026-10-12', 8),
    );
  });

  it('responseDueBy_businessDaysWithRollForward_neverMovesPastTheCountedDay', () => {
    const rolling: DeadlineRegime = { ...businessCn, rollForwardFromRestDay: true };
    expect(responseDueBy(localTime('2026-11-20', 10, 0, 0, 8), rolling)).toEqual(endOfLocalDay('2026-11-27', 8));
  });

  it('responseDueBy_businessDays_inLondon_endAtLocalMidnight', () => {
    const businessUk: DeadlineRegime = { ...businessCn, id: 'uk-fca', timeZone: 'Europe/London', responseDays: 8 };
    // received Thu 26 Mar 2026 → Fri 27 (1), Mon 30 (2), Tue 31 (3), Wed 1 Apr (4), Thu 2 (5), Fri 3 (6),
    // Mon 6 (7), Tue 7 (8); BST by then
    expect(responseDueBy(new Date('2026-03-26T12:00:00Z'), businessUk)).toEqual(endOfLocalDay('2026-04-07', 1));
  });
});

describe('responseDueBy — invalid input', () => {
  it('responseDueBy_withAnUnknownTimeZone_throws', () => {
    const regime: DeadlineRegime = { ...CN, timeZone: 'Mars/Olympus_Mons' };
    expect(() => responseDueBy(new Date('2026-11-19T10:00:00Z'), regime)).toThrow(
      'invalid receipt time or zone: Mars/Olympus_Mons',
    );
  });

  it('responseDueBy_withAnInvalidReceiptTime_throws', () => {
    expect(() => responseDueBy(new Date(Number.NaN), CN)).toThrow(/invalid receipt time or zone/);
  });
});
