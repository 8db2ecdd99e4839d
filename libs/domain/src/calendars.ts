import { getDayDetail } from 'chinese-days';
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { DeadlineRegime, RegimeId, RestDayCalendar } from './deadlines';

/** A first and last calendar year, both inclusive. */
export interface YearRange {
  from: number;
  to: number;
}

/**
 * A rest-day calendar backed by holiday data. `coverage()` is the range of years for which the data
 * is authoritative, or `null` when the holidays are computed from standing rules for any year (UK
 * and US); outside its coverage a calendar knows weekends only, so callers should warn.
 */
export interface HolidayCalendar extends RestDayCalendar {
  readonly name: string;
  coverage(): YearRange | null;
  covers(year: number): boolean;
}

const isWeekend = (d: DateTime): boolean => d.weekday === 6 || d.weekday === 7;

/* ------------------------------------------------------------------------------------------------
 * China: statutory holidays and 调休 make-up working days, as announced each year by the State
 * Council General Office (国务院办公厅关于…部分节假日安排的通知), maintained in `chinese-days`.
 * ---------------------------------------------------------------------------------------------- */

/**
 * chinese-days parses 'YYYY-MM-DD' as UTC midnight but formats with the process's local getters,
 * so in a process running west of UTC it looks up the previous day (e.g. with TZ=America/New_York
 * `getDayDetail('2025-10-01').date` is '2025-09-30'). A Date at local noon of the wanted calendar
 * date reads back as that date in any process zone (noon also avoids midnight DST gaps).
 */
function chineseDayDetail(year: number, month: number, day: number): { work: boolean; listed: boolean } {
  const detail = getDayDetail(new Date(year, month - 1, day, 12));
  const weekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  // An unlisted day comes back named after its weekday; a listed one carries the holiday name.
  return { work: detail.work, listed: !weekdayNames.includes(detail.name) };
}

let chinaCoverageCache: YearRange | null | undefined;

/**
 * The years for which chinese-days carries the State Council schedule. New Year's Day (元旦) is a
 * statutory holiday every year (《全国年节及纪念日放假办法》 Art. 2), so a year whose 1 January is
 * not listed has no schedule in the data. Probed once over a generous window.
 */
function chinaCoverage(): YearRange | null {
  if (chinaCoverageCache !== undefined) return chinaCoverageCache;
  const years: number[] = [];
  for (let y = 1990; y <= 2100; y += 1) if (chineseDayDetail(y, 1, 1).listed) years.push(y);
  chinaCoverageCache = years.length ? { from: years[0], to: years[years.length - 1] } : null;
  return chinaCoverageCache;
}

/** Dates (YYYY-MM-DD) to add to the packaged China schedule, e.g. a newly announced year. */
export interface ChinaScheduleSupplement {
  /** Statutory holidays (放假), including weekend days inside a holiday block. */
  holidays?: readonly string[];
  /** 调休 make-up working days (上班), usually a Saturday or Sunday. */
  workingDays?: readonly string[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * China's working calendar (rest days as actually observed: weekends and statutory holidays after
 * 调休 swaps, the reading of Civil Code Art. 203 "法定休假日" that design/domain.md asks to check
 * against the judicial interpretation). A supplement lets a
 * deployment add a year's schedule from configuration before the package is upgraded; supplemented
 * years count as covered.
 */
export function chinaWorkingCalendarWith(supplement: ChinaScheduleSupplement = {}): HolidayCalendar {
  const extraRest = new Set(supplement.holidays ?? []);
  const extraWork = new Set(supplement.workingDays ?? []);
  for (const d of [...extraRest, ...extraWork]) {
    if (!ISO_DATE.test(d) || !DateTime.fromISO(d).isValid) throw new Error(`China schedule supplement: not a date: ${d}`);
    if (extraRest.has(d) && extraWork.has(d)) throw new Error(`China schedule supplement: ${d} is both a holiday and a working day`);
  }
  const extraYears = new Set([...extraRest, ...extraWork].map((d) => Number(d.slice(0, 4))));
  const coverage = (): YearRange | null => {
    const base = chinaCoverage();
    if (!extraYears.size) return base;
    const years = [...extraYears, ...(base ? [base.from, base.to] : [])];
    return { from: Math.min(...years), to: Math.max(...years) };
  };
  const covers = (year: number): boolean => {
    const base = chinaCoverage();
    return extraYears.has(year) || (!!base && year >= base.from && year <= base.to);
  };
  return {
    name: extraYears.size ? 'CN (chinese-days + supplement)' : 'CN (chinese-days)',
    coverage,
    covers,
    isRestDay: (localDate) => {
      const iso = localDate.toISODate();
      if (!iso) throw new Error('isRestDay: invalid date');
      if (extraRest.has(iso)) return true;
      if (extraWork.has(iso)) return false;
      if (!covers(localDate.year)) return isWeekend(localDate);
      return !chineseDayDetail(localDate.year, localDate.month, localDate.day).work;
    },
  };
}

/** China's working calendar from the packaged State Council schedules (chinese-days). */
export const chinaWorkingCalendar: HolidayCalendar = chinaWorkingCalendarWith();

/* ------------------------------------------------------------------------------------------------
 * UK and US: rule-computed public holidays from `date-holidays`, plus weekends.
 * ---------------------------------------------------------------------------------------------- */

export type UkRegion = 'ENG' | 'SCT' | 'NIR' | 'WLS';
export const UK_REGIONS: readonly UkRegion[] = ['ENG', 'SCT', 'NIR', 'WLS'];

/**
 * Public holidays only: date-holidays also lists observances (Mother's Day, Halloween, …) and
 * optional days (US Christmas Eve) that are not days off. Keyed by the holiday's own local date
 * string; neighbouring years are merged because a substitute day can fall in the previous year
 * (US: New Year's Day on a Saturday is observed on 31 December).
 */
function publicHolidayCalendar(name: string, hd: Holidays): HolidayCalendar {
  const byYear = new Map<number, Set<string>>();
  const datesOf = (year: number): Set<string> => {
    let set = byYear.get(year);
    if (!set) {
      set = new Set();
      for (const y of [year - 1, year, year + 1]) {
        for (const h of hd.getHolidays(y)) {
          const iso = h.date.slice(0, 10);
          if (h.type === 'public' && iso.startsWith(`${year}-`)) set.add(iso);
        }
      }
      byYear.set(year, set);
    }
    return set;
  };
  return {
    name,
    coverage: () => null,
    covers: () => true,
    isRestDay: (localDate) => {
      if (isWeekend(localDate)) return true;
      const iso = localDate.toISODate();
      if (!iso) throw new Error('isRestDay: invalid date');
      return datesOf(localDate.year).has(iso);
    },
  };
}

const ukCalendars = new Map<UkRegion, HolidayCalendar>();

/**
 * UK bank holidays for one part of the UK (Banking and Financial Dealings Act 1971 Sch. 1 and
 * royal proclamations; they differ by nation, e.g. Scotland has 2 January and no Easter Monday),
 * plus weekends. The FCA Glossary's "business day" excludes weekends, Christmas Day, Good Friday
 * and bank holidays "in that part of the United Kingdom", hence the region.
 */
export function ukBankHolidays(region: UkRegion = 'ENG'): HolidayCalendar {
  if (!UK_REGIONS.includes(region)) throw new Error(`unknown UK region ${String(region)}; expected one of ${UK_REGIONS.join(', ')}`);
  let cal = ukCalendars.get(region);
  if (!cal) {
    cal = publicHolidayCalendar(`GB-${region} bank holidays`, new Holidays('GB', region));
    ukCalendars.set(region, cal);
  }
  return cal;
}

/** US federal holidays (5 U.S.C. 6103, with the Saturday/Sunday observed-day shifts), plus weekends. */
export const usFederalHolidays: HolidayCalendar = publicHolidayCalendar('US federal holidays', new Holidays('US'));

/**
 * The calendar a regime counts rest days by. Pass the regime (not just its id) to honour a
 * configured `holidayRegion` for the UK.
 */
export function calendarFor(regime: RegimeId | Pick<DeadlineRegime, 'id' | 'holidayRegion'>): HolidayCalendar {
  const { id, holidayRegion } = typeof regime === 'string' ? { id: regime, holidayRegion: undefined } : regime;
  switch (id) {
    case 'cn-cbirc':
      return chinaWorkingCalendar;
    case 'uk-fca':
      return ukBankHolidays((holidayRegion as UkRegion | undefined) ?? 'ENG');
    case 'us-cfpb':
      return usFederalHolidays;
    default:
      throw new Error(`no calendar for regime ${String(id)}`);
  }
}

/**
 * The years between two local dates (inclusive) that a calendar has no holiday data for: the
 * service should warn that deadlines in those years count weekends only.
 */
export function uncoveredYears(calendar: HolidayCalendar, from: DateTime, to: DateTime): number[] {
  const out: number[] = [];
  for (let y = Math.min(from.year, to.year); y <= Math.max(from.year, to.year); y += 1) if (!calendar.covers(y)) out.push(y);
  return out;
}
