import { DateTime } from 'luxon';
import {
  deadlineDueBy,
  DEFAULT_REGIMES,
  DeadlineRegime,
  LATEST_TIME_ZONE,
  periodDueBy,
  periodsOf,
  RegimeConfigError,
  regimeFromConfig,
  responseDueBy,
  RestDayCalendar,
  reviewDueBy,
  weekendsOnly,
} from './deadlines';
import { chinaWorkingCalendarWith } from './calendars';

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

  it('responseDueBy_weekendsOnlyCalendar_knowsOnlyWeekends', () => {
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-05', { zone: 'Asia/Shanghai' }))).toBe(true);
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-06', { zone: 'Asia/Shanghai' }))).toBe(true);
    expect(weekendsOnly.isRestDay(DateTime.fromISO('2026-12-07', { zone: 'Asia/Shanghai' }))).toBe(false);
    // a weekday public holiday is not a rest day for weekendsOnly: no roll
    // received Thu 4 Jun → day 15 Fri 19 Jun
    expect(responseDueBy(localTime('2026-06-04', 9, 0, 0, 8), CN, weekendsOnly)).toEqual(endOfLocalDay('2026-06-19', 8));
  });

  it('responseDueBy_defaultCalendar_isChinasOfficialCalendar', () => {
    // received Thu 4 Jun 2026 → day 15 Fri 19 Jun, Dragon Boat Festival (19–21 Jun off) → Mon 22 Jun
    expect(responseDueBy(localTime('2026-06-04', 9, 0, 0, 8), CN)).toEqual(endOfLocalDay('2026-06-22', 8));
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
      expect(responseDueBy(localTime('2026-09-25', 9, 0, 0, 8), CN, weekendsOnly)).toEqual(endOfLocalDay('2026-10-12', 8));
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
    // weekends only: received Thu 26 Mar 2026 → Fri 27 (1), Mon 30 (2), Tue 31 (3), Wed 1 Apr (4),
    // Thu 2 (5), Fri 3 (6), Mon 6 (7), Tue 7 (8); BST by then
    expect(responseDueBy(new Date('2026-03-26T12:00:00Z'), businessUk, weekendsOnly)).toEqual(endOfLocalDay('2026-04-07', 1));
    // by default the UK calendar: Good Friday 3 Apr and Easter Monday 6 Apr are skipped → Thu 9 Apr
    expect(responseDueBy(new Date('2026-03-26T12:00:00Z'), businessUk)).toEqual(endOfLocalDay('2026-04-09', 1));
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

/*
 * Real calendars. Rest days as published (see calendars.spec.ts for the sources):
 *  China 2025: 1–8 Oct off (Wed–Wed), Sun 28 Sep and Sat 11 Oct worked.
 *  China 2026: Mid-Autumn 25–27 Sep (Fri–Sun), National Day 1–7 Oct (Thu–Wed), Sun 20 Sep and Sat 10 Oct worked.
 *  England and Wales 2026: Good Friday 3 Apr, Easter Monday 6 Apr, 4 May, 25 May, 25 Dec (Fri),
 *  26 Dec (Sat) with substitute Mon 28 Dec; 1 Jan 2027 (Fri). Scotland has no Easter Monday.
 * Offsets: Shanghai +8; London +1 (BST, 29 Mar – 25 Oct 2026) else 0; New York −4 (EDT) / −5 (EST).
 */
describe('cn-cbirc on the official China calendar (15 calendar days, Civil Code roll-forward)', () => {
  it.each([
    // [case, received at, last day]
    ['day before National Day 2025: day 15 is Wed 15 Oct, a working day', localTime('2025-09-30', 10, 0, 0, 8), '2025-10-15'],
    ['day before National Day 2026: day 15 is Thu 15 Oct, a working day', localTime('2026-09-30', 10, 0, 0, 8), '2026-10-15'],
    ['day 15 is 1 Oct 2025 (holiday) → after the 1–8 Oct block → Thu 9 Oct', localTime('2025-09-16', 10, 0, 0, 8), '2025-10-09'],
    ['day 15 is Wed 8 Oct 2025, last day of the block → Thu 9 Oct', localTime('2025-09-23', 10, 0, 0, 8), '2025-10-09'],
    ['day 15 is Sat 11 Oct 2025, a 调休 working day → no roll', localTime('2025-09-26', 10, 0, 0, 8), '2025-10-11'],
    ['day 15 is Sun 12 Oct 2025, an ordinary Sunday → Mon 13 Oct', localTime('2025-09-27', 10, 0, 0, 8), '2025-10-13'],
    ['day 15 is Sun 28 Sep 2025, a 调休 working Sunday → no roll', localTime('2025-09-13', 10, 0, 0, 8), '2025-09-28'],
    ['received on the 调休 working Sunday 28 Sep 2025 → Mon 13 Oct', localTime('2025-09-28', 10, 0, 0, 8), '2025-10-13'],
    ['day 15 is Sun 20 Sep 2026, a 调休 working Sunday → no roll', localTime('2026-09-05', 10, 0, 0, 8), '2026-09-20'],
    ['received on the 调休 working Sunday 20 Sep 2026: day 15 is 5 Oct (holiday) → Thu 8 Oct', localTime('2026-09-20', 10, 0, 0, 8), '2026-10-08'],
    ['day 15 is Fri 25 Sep 2026, Mid-Autumn (25–27 off) → Mon 28 Sep', localTime('2026-09-10', 10, 0, 0, 8), '2026-09-28'],
    ['day 15 is Thu 1 Oct 2026 → after the 1–7 Oct block → Thu 8 Oct', localTime('2026-09-16', 10, 0, 0, 8), '2026-10-08'],
    ['received on a holiday: day 15 is Sat 10 Oct 2026, a 调休 working day → no roll', localTime('2026-09-25', 10, 0, 0, 8), '2026-10-10'],
    // time zones: the Shanghai date counts, not the UTC date
    ['23:30 UTC on 29 Sep 2025 is 07:30 on 30 Sep in Shanghai (by the UTC date: 14 Oct)', new Date('2025-09-29T23:30:00Z'), '2025-10-15'],
    ['23:30 UTC on 15 Sep 2026 is 16 Sep in Shanghai: day 15 is 1 Oct → 8 Oct (by the UTC date: 30 Sep)', new Date('2026-09-15T23:30:00Z'), '2026-10-08'],
  ])('%s', (_case, receivedAt, lastDay) => {
    expect(responseDueBy(receivedAt, CN)).toEqual(endOfLocalDay(lastDay, 8));
    expect(periodDueBy(receivedAt, CN, 'standard')).toEqual(endOfLocalDay(lastDay, 8));
  });

  it.each([
    ['standard', '2026-09-28'], // 10 Sep + 15 = Fri 25 Sep, Mid-Autumn → Mon 28 Sep
    ['complex', '2026-10-10'], // 10 Sep + 30 = Sat 10 Oct, a 调休 working day
    ['senior-approved', '2026-11-09'], // 10 Sep + 60 = Mon 9 Nov
  ])('periodDueBy_receivedThu10Sep2026_%s_endsOn_%s', (name, lastDay) => {
    expect(periodDueBy(localTime('2026-09-10', 10, 0, 0, 8), CN, name)).toEqual(endOfLocalDay(lastDay, 8));
  });

  it('periodDueBy_unknownPeriod_isRefusedNamingTheKnownOnes', () => {
    expect(() => periodDueBy(new Date('2026-09-10T02:00:00Z'), CN, 'urgent')).toThrow(
      'regime cn-cbirc has no period "urgent" (known: standard, complex, senior-approved, review-window)',
    );
  });

  describe('business-day counting across Golden Week (a 15-business-day configuration)', () => {
    const businessCnReal = regimeFromConfig(CN, { periods: { standard: { dayBasis: 'business', rollForwardFromRestDay: false } } });
    const fiveBusinessDays = regimeFromConfig(CN, { periods: { standard: { days: 5, dayBasis: 'business' } } });

    it.each([
      // 30 Sep 2025: 1–8 Oct off; 9 (1), 10 (2), Sat 11 调休 (3), 13–17 (4–8), 20–24 (9–13), 27 (14), 28 (15)
      ['2025-09-30', '2025-10-28'],
      // 30 Sep 2026: 1–7 Oct off; 8 (1), 9 (2), Sat 10 调休 (3), 12–16 (4–8), 19–23 (9–13), 26 (14), 27 (15)
      ['2026-09-30', '2026-10-27'],
    ])('received %s → 15th business day %s', (received, lastDay) => {
      expect(responseDueBy(localTime(received, 10, 0, 0, 8), businessCnReal)).toEqual(endOfLocalDay(lastDay, 8));
    });

    it('received on the 调休 working Sunday 28 Sep 2025 → Mon 29 (1), Tue 30 (2), Thu 9 (3), Fri 10 (4), Sat 11 调休 (5)', () => {
      expect(responseDueBy(localTime('2025-09-28', 10, 0, 0, 8), fiveBusinessDays)).toEqual(endOfLocalDay('2025-10-11', 8));
    });
  });

  describe('reviewDueBy (核查 within 30 days of the decision)', () => {
    it.each([
      ['2026-09-01', '2026-10-08'], // 1 Sep + 30 = Thu 1 Oct (holiday) → Thu 8 Oct
      ['2025-09-01', '2025-10-09'], // 1 Sep + 30 = Wed 1 Oct (holiday) → Thu 9 Oct
      ['2026-11-02', '2026-12-02'], // 2 Nov + 30 = Wed 2 Dec, a working day
    ])('decision on %s → review window ends %s', (decided, lastDay) => {
      expect(reviewDueBy(localTime(decided, 16, 0, 0, 8), CN)).toEqual(endOfLocalDay(lastDay, 8));
    });

    it('reviewDueBy_regimeWithoutReviewWindow_throws', () => {
      expect(() => reviewDueBy(new Date('2026-09-01T08:00:00Z'), UK)).toThrow('regime uk-fca has no review window');
    });
  });

  it('responseDueBy_inAYearWithoutChinaHolidayData_countsWeekendsOnly_untilSupplemented', () => {
    // received Thu 17 Dec 2026 → day 15 is Fri 1 Jan 2027. chinese-days 1.5.7 has no 2027 schedule,
    // so New Year's Day is not known as a rest day (the service should warn: calendar.covers(2027)).
    expect(responseDueBy(localTime('2026-12-17', 10, 0, 0, 8), CN)).toEqual(endOfLocalDay('2027-01-01', 8));
    // a supplement from configuration (test data) fixes it: 1 Jan off, 2–3 Jan weekend → Mon 4 Jan
    const supplemented = chinaWorkingCalendarWith({ holidays: ['2027-01-01'] });
    expect(responseDueBy(localTime('2026-12-17', 10, 0, 0, 8), CN, supplemented)).toEqual(endOfLocalDay('2027-01-04', 8));
  });
});

describe('uk-fca on UK bank holidays', () => {
  const BST = 1;
  const GMT = 0;
  it.each([
    // received Thu 2 Apr 2026 10:00 BST; Good Friday 3 Apr and Easter Monday 6 Apr
    ['summary-resolution', '2026-04-02T09:00:00Z', '2026-04-09', BST], // Tue 7 (1), Wed 8 (2), Thu 9 (3)
    ['payment-services', '2026-04-02T09:00:00Z', '2026-04-27', BST], // 7–10 (4), 13–17 (9), 20–24 (14), Mon 27 (15)
    // … Apr 28–May 1 (19), 4 May holiday, 5–8 (23), 11–15 (28), 18–22 (33), 25 May holiday, 26 (34), 27 (35)
    ['payment-services-exceptional', '2026-04-02T09:00:00Z', '2026-05-27', BST],
    ['standard', '2026-04-02T09:00:00Z', '2026-05-28', BST], // 2 Apr + 56 calendar days
    // 00:30 BST on Thu 2 Apr is still 1 Apr in UTC; the London date counts (by UTC: Wed 8 Apr)
    ['summary-resolution', '2026-04-01T23:30:00Z', '2026-04-09', BST],
    // received Wed 23 Dec 2026 12:00 GMT; 25 Dec (Fri), 26 Dec (Sat), substitute Mon 28 Dec, 1 Jan 2027 (Fri)
    ['summary-resolution', '2026-12-23T12:00:00Z', '2026-12-30', GMT], // Thu 24 (1), Tue 29 (2), Wed 30 (3)
    // Thu 24 (1), 29–31 (4), 4–8 Jan (9), 11–15 (14), Mon 18 Jan (15)
    ['payment-services', '2026-12-23T12:00:00Z', '2027-01-18', GMT],
    ['standard', '2026-12-23T12:00:00Z', '2027-02-17', GMT], // 23 Dec + 56
  ])('%s from %s ends on %s', (name, receivedAt, lastDay, offset) => {
    expect(periodDueBy(new Date(receivedAt), UK, name)).toEqual(endOfLocalDay(lastDay, offset));
  });

  it('summaryResolution_inScotland_hasNoEasterMonday', () => {
    // Fri 3 Apr Good Friday; Mon 6 (1), Tue 7 (2), Wed 8 (3)
    const scotland = regimeFromConfig(UK, { holidayRegion: 'SCT' });
    expect(periodDueBy(new Date('2026-04-02T09:00:00Z'), scotland, 'summary-resolution')).toEqual(endOfLocalDay('2026-04-08', BST));
  });

  it('responseDueBy_uk_isStillTheEightWeekFinalResponse', () => {
    expect(responseDueBy(new Date('2026-04-02T09:00:00Z'), UK)).toEqual(endOfLocalDay('2026-05-28', BST));
  });
});

describe('us-cfpb (15 / 60 calendar days, America/New_York, no roll)', () => {
  const US = DEFAULT_REGIMES['us-cfpb'];
  const EDT = -4;
  const EST = -5;
  it.each([
    ['initial-response', '2026-06-30T18:00:00Z', '2026-07-15', EDT], // Tue 30 Jun + 15
    ['final-response', '2026-06-30T18:00:00Z', '2026-08-29', EDT], // + 60 = Sat 29 Aug, not rolled
    // 03:30 UTC on 1 Jul is 23:30 on 30 Jun in New York
    ['initial-response', '2026-07-01T03:30:00Z', '2026-07-15', EDT],
    ['initial-response', '2026-11-11T15:00:00Z', '2026-11-26', EST], // + 15 = Thanksgiving, not rolled
    ['final-response', '2026-11-11T15:00:00Z', '2027-01-10', EST], // + 60 = Sun 10 Jan, not rolled
  ])('%s from %s ends on %s', (name, receivedAt, lastDay, offset) => {
    expect(periodDueBy(new Date(receivedAt), US, name)).toEqual(endOfLocalDay(lastDay, offset));
  });

  it('responseDueBy_us_isThe15DayResponse_asBefore', () => {
    expect(responseDueBy(new Date('2026-06-30T18:00:00Z'), US).toISOString()).toBe('2026-07-16T03:59:59.999Z');
  });
});

describe("deadlineDueBy — a deadline someone else set, read in the zone where they count", () => {
  const SHANGHAI = CN.timeZone;
  const LONDON = UK.timeZone;
  const NEW_YORK = DEFAULT_REGIMES['us-cfpb'].timeZone;

  it.each([
    // A regulator in Beijing who writes 20 December means until the end of that day in Beijing,
    // 15:59:59.999 UTC, not 00:00 UTC (08:00 in Beijing, most of a day early).
    ['2026-12-20', SHANGHAI, endOfLocalDay('2026-12-20', 8)],
    ['2026-12-20', LONDON, endOfLocalDay('2026-12-20', 0)],
    ['2026-07-01', LONDON, endOfLocalDay('2026-07-01', 1)], // BST
    ['2026-12-20', NEW_YORK, endOfLocalDay('2026-12-20', -5)], // EST: the next UTC day
    ['2026-07-01', NEW_YORK, endOfLocalDay('2026-07-01', -4)], // EDT
    // 25 Oct 2026 is the day London leaves summer time: the day ends on GMT.
    ['2026-10-25', LONDON, endOfLocalDay('2026-10-25', 0)],
    ['2026-12-31', SHANGHAI, endOfLocalDay('2026-12-31', 8)],
    ['2028-02-29', SHANGHAI, endOfLocalDay('2028-02-29', 8)],
  ])('a date alone, %s in %s, runs to the end of that day there', (deadline, zone, expected) => {
    expect(deadlineDueBy(deadline, zone)).toEqual(expected);
  });

  it('a month or a year alone runs to the end of its last day', () => {
    expect(deadlineDueBy('2026-12', SHANGHAI)).toEqual(endOfLocalDay('2026-12-31', 8));
    expect(deadlineDueBy('2027-02', SHANGHAI)).toEqual(endOfLocalDay('2027-02-28', 8));
    expect(deadlineDueBy('2026', LONDON)).toEqual(endOfLocalDay('2026-12-31', 0));
  });

  it('a date and time without an offset is that wall-clock time in the zone', () => {
    expect(deadlineDueBy('2026-12-20T17:00', SHANGHAI)).toEqual(localTime('2026-12-20', 17, 0, 0, 8));
    expect(deadlineDueBy('2026-12-20T17:00:00', LONDON)).toEqual(localTime('2026-12-20', 17, 0, 0, 0));
    expect(deadlineDueBy('2026-07-01T17:00:00', LONDON)).toEqual(localTime('2026-07-01', 17, 0, 0, 1));
    expect(deadlineDueBy('2026-12-20 17:00', SHANGHAI)).toEqual(localTime('2026-12-20', 17, 0, 0, 8));
  });

  it.each([
    ['2026-12-20T17:00:00+08:00', '2026-12-20T09:00:00.000Z'],
    ['2026-12-07T23:59:59+08:00', '2026-12-07T15:59:59.000Z'],
    ['2026-12-21T17:00:00Z', '2026-12-21T17:00:00.000Z'],
    ['2026-12-20T17:00:00.250-05:00', '2026-12-20T22:00:00.250Z'],
  ])('%s names its own instant, whatever the zone', (deadline, instant) => {
    for (const zone of [SHANGHAI, LONDON, NEW_YORK]) expect(deadlineDueBy(deadline, zone)?.toISOString()).toBe(instant);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-12-20T25:00', 'next Friday', ''])('reads %j as no deadline', (deadline) => {
    expect(deadlineDueBy(deadline, SHANGHAI)).toBeNull();
  });

  it('the latest zone is the last on earth to end a day: UTC−12', () => {
    expect(deadlineDueBy('2026-12-20', LATEST_TIME_ZONE)).toEqual(endOfLocalDay('2026-12-20', -12));
  });

  it('refuses a zone that does not exist', () => {
    expect(() => deadlineDueBy('2026-12-20', 'Mars/Olympus_Mons')).toThrow('invalid zone: Mars/Olympus_Mons');
  });
});

describe('DEFAULT_REGIMES', () => {
  it('DEFAULT_REGIMES_keepTheLegacyFieldsInStepWithTheResponsePeriod', () => {
    for (const regime of Object.values(DEFAULT_REGIMES)) {
      const p = periodsOf(regime)[regime.responsePeriod!];
      expect([regime.id, p.days, p.dayBasis, p.rollForwardFromRestDay]).toEqual([
        regime.id,
        regime.responseDays,
        regime.dayBasis,
        regime.rollForwardFromRestDay,
      ]);
    }
    expect(CN.responseDays).toBe(15);
    expect(UK.responseDays).toBe(56);
    expect(DEFAULT_REGIMES['us-cfpb'].responseDays).toBe(15);
  });

  it('DEFAULT_REGIMES_areFrozen', () => {
    expect(Object.isFrozen(CN)).toBe(true);
    expect(Object.isFrozen(CN.periods!.standard)).toBe(true);
    expect(() => {
      (CN.periods!.standard as { days: number }).days = 99;
    }).toThrow(TypeError);
  });

  it('periodsOf_aLegacyFiveFieldRegime_isASingleStandardPeriod', () => {
    const legacy: DeadlineRegime = { id: 'cn-cbirc', timeZone: 'Asia/Shanghai', responseDays: 5, dayBasis: 'business', rollForwardFromRestDay: false };
    expect(periodsOf(legacy)).toEqual({
      standard: { days: 5, dayBasis: 'business', rollForwardFromRestDay: false, extendableTo: [], requiresSeniorApproval: false },
    });
  });
});

describe('regimeFromConfig', () => {
  it('regimeFromConfig_overridesAFigure_andKeepsTheLegacyFieldsInStep', () => {
    const r = regimeFromConfig(CN, { periods: { standard: { days: 10 } } });
    expect(r.periods!.standard.days).toBe(10);
    expect(r.responseDays).toBe(10);
    expect(r.periods!.complex.days).toBe(30);
    // received Thu 19 Nov 2026 → + 10 = Sun 29 Nov → Mon 30 Nov
    expect(responseDueBy(localTime('2026-11-19', 10, 0, 0, 8), r)).toEqual(endOfLocalDay('2026-11-30', 8));
    expect(CN.periods!.standard.days).toBe(15);
  });

  it('regimeFromConfig_acceptsJsonText_asReadFromAnEnvironmentVariable', () => {
    const r = regimeFromConfig(UK, '{"holidayRegion":"NIR","periods":{"payment-services":{"days":10}}}');
    expect(r.holidayRegion).toBe('NIR');
    expect(r.periods!['payment-services'].days).toBe(10);
    expect(regimeFromConfig(UK, '')).toEqual(UK);
    expect(regimeFromConfig(UK, undefined)).toEqual(UK);
  });

  it('regimeFromConfig_canChangeTheResponsePeriod', () => {
    const r = regimeFromConfig(DEFAULT_REGIMES['us-cfpb'], { responsePeriod: 'final-response' });
    expect(r.responseDays).toBe(60);
  });

  it.each([
    ['negative days', { periods: { standard: { days: -3 } } }, 'periods.standard.days: must be a whole number of days from 1 to 3660, got -3'],
    ['zero days', { periods: { standard: { days: 0 } } }, 'periods.standard.days'],
    ['fractional days', { periods: { standard: { days: 1.5 } } }, 'periods.standard.days'],
    ['days as text', { periods: { standard: { days: '15' } } }, 'got "15"'],
    ['unknown period', { periods: { urgent: { days: 5 } } }, 'periods.urgent: unknown period (known: standard, complex, senior-approved, review-window)'],
    ['unknown period setting', { periods: { standard: { dayz: 5 } } }, 'periods.standard.dayz: unknown setting'],
    ['unknown top-level setting', { responseDays: 20 }, 'responseDays: unknown setting'],
    ['bad day basis', { periods: { standard: { dayBasis: 'working' } } }, 'periods.standard.dayBasis: must be "calendar" or "business"'],
    ['bad time zone', { timeZone: 'Asia/Beijing' }, 'timeZone: not an IANA time zone: "Asia/Beijing"'],
    ['unknown pause reason', { pauseReasons: ['holiday'] }, 'pauseReasons: must be a list drawn from external-appraisal, awaiting-customer'],
    ['response period that does not exist', { responsePeriod: 'urgent' }, 'responsePeriod: must name a period'],
    ['holiday region outside the UK', { holidayRegion: 'ENG' }, 'holidayRegion: only uk-fca has regional holidays'],
    ['extension to a shorter period', { periods: { complex: { days: 10 } } }, 'periods.standard.extendableTo: "complex" (10 days) is not longer than standard (15 days)'],
    ['extension to an unknown period', { periods: { standard: { extendableTo: ['forever'] } } }, 'unknown period "forever"'],
    ['not an object', [1, 2], 'expected an object'],
    ['not JSON', '{days: 15', 'not valid JSON'],
  ])('regimeFromConfig_refuses_%s', (_case, overrides, message) => {
    expect(() => regimeFromConfig(CN, overrides)).toThrow(RegimeConfigError);
    expect(() => regimeFromConfig(CN, overrides)).toThrow(message);
  });

  it('regimeFromConfig_reportsEveryProblemAtOnce', () => {
    try {
      regimeFromConfig(UK, { periods: { standard: { days: -1 }, bogus: {} }, holidayRegion: 'XX' });
      throw new Error('expected a RegimeConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(RegimeConfigError);
      expect((e as RegimeConfigError).problems).toHaveLength(3);
      expect((e as RegimeConfigError).message).toMatch(/^invalid deadline configuration for uk-fca: /);
    }
  });
});
