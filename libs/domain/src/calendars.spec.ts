import { DateTime } from 'luxon';
import {
  calendarFor,
  chinaWorkingCalendar,
  chinaWorkingCalendarWith,
  ukBankHolidays,
  uncoveredYears,
  UkRegion,
  usFederalHolidays,
} from './calendars';
import { DEFAULT_REGIMES, weekendsOnly } from './deadlines';

/*
 * Expected rest days are copied by hand from the official schedules, not from the packages:
 *  - China 2025: 国办发明电〔2024〕12号 — National Day + Mid-Autumn 1 Oct (Wed) – 8 Oct (Wed) off;
 *    Sun 28 Sep and Sat 11 Oct worked.
 *  - China 2026: 国办发明电〔2025〕7号 (gov.cn content_7047091) — New Year 1–3 Jan off, Sun 4 Jan
 *    worked; Spring Festival 15–23 Feb off, Sat 14 Feb and Sat 28 Feb worked; Labour Day 1–5 May,
 *    Sat 9 May worked; Dragon Boat 19–21 Jun; Mid-Autumn 25–27 Sep; National Day 1–7 Oct, Sun 20 Sep
 *    and Sat 10 Oct worked.
 *  - England and Wales 2026 (gov.uk/bank-holidays): 1 Jan, Good Friday 3 Apr, Easter Monday 6 Apr,
 *    4 May, 25 May, 31 Aug, Christmas Fri 25 Dec, Boxing Day Sat 26 Dec with the substitute Mon 28 Dec.
 *    Scotland: 2 Jan, no Easter Monday, 3 Aug, St Andrew's 30 Nov. Northern Ireland: 17 Mar, 13 Jul.
 *  - US federal 2026 (OPM): Independence Day Sat 4 Jul observed Fri 3 Jul; Thanksgiving 26 Nov;
 *    Christmas 25 Dec. 2028's New Year's Day is a Saturday, observed Fri 31 Dec 2027.
 */

const cn = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' });
const london = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/London' });
const ny = (iso: string) => DateTime.fromISO(iso, { zone: 'America/New_York' });

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const weekdayOf = (isoDate: string): string => WEEKDAYS[new Date(`${isoDate}T00:00:00Z`).getUTCDay()];

describe('test data guards', () => {
  it.each([
    ['2025-09-28', 'Sun'],
    ['2025-10-01', 'Wed'],
    ['2025-10-08', 'Wed'],
    ['2025-10-11', 'Sat'],
    ['2026-09-20', 'Sun'],
    ['2026-09-25', 'Fri'],
    ['2026-10-10', 'Sat'],
    ['2026-02-14', 'Sat'],
    ['2026-01-04', 'Sun'],
    ['2026-04-03', 'Fri'],
    ['2026-12-26', 'Sat'],
    ['2026-12-28', 'Mon'],
    ['2026-07-03', 'Fri'],
    ['2027-01-01', 'Fri'],
    ['2027-12-31', 'Fri'],
  ])('%s is a %s', (date, weekday) => {
    expect(weekdayOf(date)).toBe(weekday);
  });
});

describe('chinaWorkingCalendar (chinese-days)', () => {
  it.each([
    // 2025 National Day + Mid-Autumn block and its 调休
    ['2025-09-27', true, 'ordinary Saturday'],
    ['2025-09-28', false, '调休: Sunday worked'],
    ['2025-09-29', false, 'ordinary Monday'],
    ['2025-09-30', false, 'last working day before the holiday'],
    ['2025-10-01', true, 'National Day'],
    ['2025-10-06', true, 'Mid-Autumn inside the block'],
    ['2025-10-08', true, 'last day of the block (a Wednesday)'],
    ['2025-10-09', false, 'first working day after'],
    ['2025-10-11', false, '调休: Saturday worked'],
    ['2025-10-12', true, 'ordinary Sunday'],
    // 2026
    ['2026-01-04', false, '调休: Sunday worked'],
    ['2026-02-14', false, '调休: Saturday worked'],
    ['2026-02-23', true, 'Spring Festival (a Monday)'],
    ['2026-02-28', false, '调休: Saturday worked'],
    ['2026-05-05', true, 'Labour Day block (a Tuesday)'],
    ['2026-05-09', false, '调休: Saturday worked'],
    ['2026-06-19', true, 'Dragon Boat (a Friday)'],
    ['2026-09-20', false, '调休: Sunday worked'],
    ['2026-09-25', true, 'Mid-Autumn (a Friday)'],
    ['2026-09-30', false, 'last working day before National Day'],
    ['2026-10-07', true, 'last day of the National Day block (a Wednesday)'],
    ['2026-10-08', false, 'first working day after'],
    ['2026-10-10', false, '调休: Saturday worked'],
    ['2026-10-11', true, 'ordinary Sunday'],
  ])('%s is a rest day: %s (%s)', (date, rest) => {
    expect(chinaWorkingCalendar.isRestDay(cn(date))).toBe(rest);
  });

  it('chinaWorkingCalendar_differsFromWeekendsOnly_onTheAdjustedSundayAndTheWeekdayHolidays', () => {
    expect(weekendsOnly.isRestDay(cn('2025-09-28'))).toBe(true);
    expect(chinaWorkingCalendar.isRestDay(cn('2025-09-28'))).toBe(false);
    expect(weekendsOnly.isRestDay(cn('2025-10-08'))).toBe(false);
    expect(chinaWorkingCalendar.isRestDay(cn('2025-10-08'))).toBe(true);
  });

  it('coverage_isTheYearsThePackageHasSchedulesFor', () => {
    // chinese-days 1.5.7 carries the schedules from 2004 to 2026 (its README and data).
    expect(chinaWorkingCalendar.coverage()).toEqual({ from: 2004, to: 2026 });
    expect(chinaWorkingCalendar.covers(2026)).toBe(true);
    expect(chinaWorkingCalendar.covers(2004)).toBe(true);
    expect(chinaWorkingCalendar.covers(2003)).toBe(false);
    expect(chinaWorkingCalendar.covers(2027)).toBe(false);
  });

  it('uncoveredYear_fallsBackToWeekendsOnly', () => {
    // 1 Jan 2027 (a Friday) will be New Year's Day, but there is no 2027 schedule in the data yet.
    expect(chinaWorkingCalendar.isRestDay(cn('2027-01-01'))).toBe(false);
    expect(chinaWorkingCalendar.isRestDay(cn('2027-01-02'))).toBe(true);
    expect(uncoveredYears(chinaWorkingCalendar, cn('2026-12-20'), cn('2027-01-20'))).toEqual([2027]);
    expect(uncoveredYears(chinaWorkingCalendar, cn('2026-09-01'), cn('2026-10-20'))).toEqual([]);
  });

  it('supplement_addsAYearFromConfiguration_andCoversIt', () => {
    // Test data only (not the official 2027 schedule): one holiday and one make-up Sunday.
    const cal = chinaWorkingCalendarWith({ holidays: ['2027-01-01'], workingDays: ['2027-01-03'] });
    expect(cal.isRestDay(cn('2027-01-01'))).toBe(true);
    expect(cal.isRestDay(cn('2027-01-02'))).toBe(true);
    expect(cal.isRestDay(cn('2027-01-03'))).toBe(false);
    expect(cal.covers(2027)).toBe(true);
    expect(cal.coverage()).toEqual({ from: 2004, to: 2027 });
    // the packaged years are unaffected
    expect(cal.isRestDay(cn('2025-09-28'))).toBe(false);
  });

  it('supplement_refusesNonsense', () => {
    expect(() => chinaWorkingCalendarWith({ holidays: ['2027-02-30'] })).toThrow(/not a date/);
    expect(() => chinaWorkingCalendarWith({ holidays: ['2027-1-1'] })).toThrow(/not a date/);
    expect(() => chinaWorkingCalendarWith({ holidays: ['2027-01-01'], workingDays: ['2027-01-01'] })).toThrow(/both/);
  });

  it('isRestDay_doesNotDependOnTheProcessTimeZone', () => {
    // chinese-days formats dates with the process's local getters; west of UTC a naive call looks
    // up the previous day. The calendar must give the same answers whatever TZ the service runs in.
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/New_York', 'Pacific/Kiritimati', 'UTC']) {
        process.env.TZ = tz;
        expect([tz, chinaWorkingCalendar.isRestDay(cn('2025-10-01'))]).toEqual([tz, true]);
        expect([tz, chinaWorkingCalendar.isRestDay(cn('2025-09-30'))]).toEqual([tz, false]);
        expect([tz, chinaWorkingCalendar.isRestDay(cn('2025-09-28'))]).toEqual([tz, false]);
        expect([tz, chinaWorkingCalendar.isRestDay(cn('2025-10-09'))]).toEqual([tz, false]);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('ukBankHolidays (date-holidays, GB)', () => {
  it.each<[UkRegion, string, boolean]>([
    ['ENG', '2026-04-02', false],
    ['ENG', '2026-04-03', true], // Good Friday
    ['ENG', '2026-04-05', true], // Easter Sunday (a Sunday)
    ['ENG', '2026-04-06', true], // Easter Monday
    ['ENG', '2026-05-04', true],
    ['ENG', '2026-08-31', true],
    ['ENG', '2026-12-24', false],
    ['ENG', '2026-12-25', true],
    ['ENG', '2026-12-26', true], // Boxing Day, a Saturday
    ['ENG', '2026-12-28', true], // substitute day for Boxing Day
    ['ENG', '2026-12-29', false],
    ['ENG', '2026-01-02', false],
    ['ENG', '2026-03-17', false],
    ['WLS', '2026-04-06', true],
    ['SCT', '2026-01-02', true],
    ['SCT', '2026-04-06', false], // no Easter Monday in Scotland
    ['SCT', '2026-08-03', true],
    ['SCT', '2026-08-31', false],
    ['SCT', '2026-11-30', true],
    ['NIR', '2026-03-17', true],
    ['NIR', '2026-07-13', true], // Battle of the Boyne substitute (12 Jul is a Sunday)
  ])('%s %s is a rest day: %s', (region, date, rest) => {
    expect(ukBankHolidays(region).isRestDay(london(date))).toBe(rest);
  });

  it('ukBankHolidays_defaultsToEnglandAndWales_andIsRuleBased', () => {
    expect(ukBankHolidays()).toBe(ukBankHolidays('ENG'));
    expect(ukBankHolidays().coverage()).toBeNull();
    expect(ukBankHolidays().covers(2030)).toBe(true);
  });

  it('ukBankHolidays_refusesAnUnknownRegion', () => {
    expect(() => ukBankHolidays('LDN' as UkRegion)).toThrow(/unknown UK region LDN/);
  });
});

describe('usFederalHolidays (date-holidays, US)', () => {
  it.each([
    ['2026-07-03', true], // Independence Day observed (4 Jul is a Saturday)
    ['2026-07-04', true],
    ['2026-07-06', false],
    ['2026-11-26', true], // Thanksgiving
    ['2026-11-27', false], // day after Thanksgiving: an observance, not a federal holiday
    ['2026-12-24', false], // Christmas Eve: optional, not a federal holiday
    ['2026-12-25', true],
    ['2026-10-31', true], // Halloween is an observance, but 31 Oct 2026 is a Saturday
    ['2026-04-15', false], // Tax Day: an observance
    ['2027-12-31', true], // New Year's Day 2028 (a Saturday) observed the Friday before
  ])('%s is a rest day: %s', (date, rest) => {
    expect(usFederalHolidays.isRestDay(ny(date))).toBe(rest);
  });
});

describe('calendarFor', () => {
  it('calendarFor_picksTheRegimesCalendar', () => {
    expect(calendarFor('cn-cbirc')).toBe(chinaWorkingCalendar);
    expect(calendarFor('uk-fca')).toBe(ukBankHolidays('ENG'));
    expect(calendarFor('us-cfpb')).toBe(usFederalHolidays);
    expect(calendarFor(DEFAULT_REGIMES['uk-fca'])).toBe(ukBankHolidays('ENG'));
  });

  it('calendarFor_honoursTheConfiguredUkRegion', () => {
    expect(calendarFor({ id: 'uk-fca', holidayRegion: 'SCT' })).toBe(ukBankHolidays('SCT'));
  });

  it('calendarFor_refusesAnUnknownRegime', () => {
    expect(() => calendarFor('eu-eba' as never)).toThrow(/no calendar for regime eu-eba/);
  });
});
