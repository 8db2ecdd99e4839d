import { DateTime, IANAZone } from 'luxon';
import { calendarFor, UK_REGIONS } from './calendars';

export type RegimeId = 'cn-cbirc' | 'uk-fca' | 'us-cfpb';
export type DayBasis = 'calendar' | 'business';

/** Reasons for which a regime may stop the clock. */
export type PauseReason = 'external-appraisal' | 'awaiting-customer';
export const PAUSE_REASONS: readonly PauseReason[] = ['external-appraisal', 'awaiting-customer'];

/** One named period of a regime, e.g. cn-cbirc `standard` (15 days) or uk-fca `payment-services`. */
export interface DeadlinePeriod {
  days: number;
  dayBasis: DayBasis;
  /**
   * China's Civil Code (Art. 203): a period whose last day is a rest day ends on the next working
   * day. Business-day periods never land on a rest day in the first place.
   */
  rollForwardFromRestDay: boolean;
  /** Longer periods a case on this period may be extended to. */
  extendableTo: readonly string[];
  /** Extending a case into this period needs a senior approver. */
  requiresSeniorApproval: boolean;
}

export interface DeadlineRegime {
  id: RegimeId;
  /** The zone in which the regulator counts days. */
  timeZone: string;
  /** Days allowed for the final response, counted as `dayBasis` (mirrors `periods[responsePeriod]`). */
  responseDays: number;
  dayBasis: DayBasis;
  /** See `DeadlinePeriod.rollForwardFromRestDay`. */
  rollForwardFromRestDay: boolean;
  /**
   * Named periods. Optional so that regimes written as the original five-field literal keep
   * working: such a regime has the single period `standard` built from the fields above.
   */
  periods?: Readonly<Record<string, DeadlinePeriod>>;
  /** The period `responseDueBy` and the intake acknowledgement use. */
  responsePeriod?: string;
  /** The period in which the customer may ask for a review of the decision (cn-cbirc 核查). */
  reviewPeriod?: string;
  /** Reasons for which the clock may be paused; none means the regime has no stop-the-clock. */
  pauseReasons?: readonly PauseReason[];
  /** Whether new facts restart the clock. */
  restartOnNewFacts?: boolean;
  /** Part of the country whose holidays count (uk-fca: ENG, SCT, NIR or WLS). */
  holidayRegion?: string;
}

const period = (
  days: number,
  dayBasis: DayBasis,
  rollForwardFromRestDay: boolean,
  extendableTo: string[] = [],
  requiresSeniorApproval = false,
): DeadlinePeriod => ({ days, dayBasis, rollForwardFromRestDay, extendableTo, requiresSeniorApproval });

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Defaults; deployments override the figures from configuration with `regimeFromConfig`. */
export const DEFAULT_REGIMES: Readonly<Record<RegimeId, DeadlineRegime>> = deepFreeze({
  // 银行业保险业消费投诉处理管理办法 (CBIRC Order 2020 No. 3), time-limit provisions: decide within
  // 15 days of acceptance; complex cases may be extended to 30 days, and with the approval of a
  // senior manager and notice to the customer to 60; external appraisal/testing time is excluded;
  // new facts restart the clock; the customer may ask for a review (核查) within 30 days of the
  // decision. Periods are counted under Civil Code Arts. 201 and 203.
  'cn-cbirc': {
    id: 'cn-cbirc',
    timeZone: 'Asia/Shanghai',
    responseDays: 15,
    dayBasis: 'calendar',
    rollForwardFromRestDay: true,
    periods: {
      standard: period(15, 'calendar', true, ['complex', 'senior-approved']),
      complex: period(30, 'calendar', true, ['senior-approved']),
      'senior-approved': period(60, 'calendar', true, [], true),
      'review-window': period(30, 'calendar', true),
    },
    responsePeriod: 'standard',
    reviewPeriod: 'review-window',
    pauseReasons: ['external-appraisal', 'awaiting-customer'],
    restartOnNewFacts: true,
  },
  // FCA DISP 1.5 (summary resolution by close of business on the 3rd business day after the day
  // of receipt), DISP 1.6.2R (final response within 8 weeks), DISP 1.6.2AR (payment services and
  // e-money: 15 business days, up to 35 in exceptional circumstances). DISP has no stop-the-clock.
  'uk-fca': {
    id: 'uk-fca',
    timeZone: 'Europe/London',
    responseDays: 56,
    dayBasis: 'calendar',
    rollForwardFromRestDay: false,
    periods: {
      'summary-resolution': period(3, 'business', false),
      standard: period(56, 'calendar', false),
      'payment-services': period(15, 'business', false, ['payment-services-exceptional']),
      'payment-services-exceptional': period(35, 'business', false),
    },
    responsePeriod: 'standard',
    pauseReasons: [],
    restartOnNewFacts: false,
    holidayRegion: 'ENG',
  },
  // CFPB company portal: respond within 15 calendar days (or say "in progress"), final response
  // within 60 days. The intake acknowledgement keeps using the 15-day response.
  'us-cfpb': {
    id: 'us-cfpb',
    timeZone: 'America/New_York',
    responseDays: 15,
    dayBasis: 'calendar',
    rollForwardFromRestDay: false,
    periods: {
      'initial-response': period(15, 'calendar', false, ['final-response']),
      'final-response': period(60, 'calendar', false),
    },
    responsePeriod: 'initial-response',
    pauseReasons: [],
    restartOnNewFacts: false,
  },
} satisfies Record<RegimeId, DeadlineRegime>);

/**
 * Which local dates are rest days. `calendarFor(regime)` gives the maintained public-holiday
 * calendar of a regime (with 调休 make-up working days for China).
 */
export interface RestDayCalendar {
  isRestDay(localDate: DateTime): boolean;
}

export const weekendsOnly: RestDayCalendar = {
  isRestDay: (d) => d.weekday === 6 || d.weekday === 7,
};

/** The periods of a regime, including the implicit `standard` of a five-field legacy regime. */
export function periodsOf(regime: DeadlineRegime): Readonly<Record<string, DeadlinePeriod>> {
  return (
    regime.periods ?? {
      standard: period(regime.responseDays, regime.dayBasis, regime.rollForwardFromRestDay),
    }
  );
}

/** One period of a regime, or a clear error naming the known ones. */
export function periodOf(regime: DeadlineRegime, name: string): DeadlinePeriod {
  const periods = periodsOf(regime);
  const p = Object.prototype.hasOwnProperty.call(periods, name) ? periods[name] : undefined;
  if (!p) throw new Error(`regime ${regime.id} has no period "${name}" (known: ${Object.keys(periods).join(', ')})`);
  return p;
}

/** A sanity bound for counting loops: no regime period is anywhere near ten years. */
const MAX_DAYS = 3660;

/** The local start of the day on which `at` falls in `timeZone`. */
export function localDay(at: Date, timeZone: string): DateTime {
  const day = DateTime.fromJSDate(at, { zone: timeZone }).startOf('day');
  if (!day.isValid) throw new Error(`invalid receipt time or zone: ${timeZone}`);
  return day;
}

/**
 * The last local day of a period that starts on `startDay` (the day of receipt, not counted:
 * Civil Code Art. 201, and the same convention as FCA and CFPB counting), after `extraDays` more
 * days of the period's basis (excluded paused days).
 */
export function lastDayOfPeriod(
  startDay: DateTime,
  p: Pick<DeadlinePeriod, 'days' | 'dayBasis' | 'rollForwardFromRestDay'>,
  calendar: RestDayCalendar,
  extraDays = 0,
): DateTime {
  const total = p.days + extraDays;
  let day = startDay.startOf('day');
  if (p.dayBasis === 'calendar') {
    day = day.plus({ days: total });
  } else {
    let counted = 0;
    let steps = 0;
    while (counted < total) {
      day = day.plus({ days: 1 });
      if (!calendar.isRestDay(day)) counted += 1;
      if ((steps += 1) > MAX_DAYS * 2) throw new Error('calendar has no working days');
    }
  }
  if (p.rollForwardFromRestDay) {
    let steps = 0;
    while (calendar.isRestDay(day)) {
      day = day.plus({ days: 1 });
      if ((steps += 1) > MAX_DAYS) throw new Error('calendar has no working days');
    }
  }
  return day;
}

/**
 * The moment a named period ends: the end (24:00) of its last local day in the regime's zone
 * (Civil Code Art. 203: the last day ends at 24:00). DISP's summary resolution says "close of
 * business"; 24:00 is the outer bound, so a firm with earlier hours should warn earlier.
 */
export function periodDueBy(
  startedAt: Date,
  regime: DeadlineRegime,
  periodName: string,
  calendar: RestDayCalendar = calendarFor(regime),
): Date {
  const p = periodOf(regime, periodName);
  return lastDayOfPeriod(localDay(startedAt, regime.timeZone), p, calendar).endOf('day').toJSDate();
}

/**
 * The moment by which the final response is due (the regime's `responsePeriod`, or its legacy
 * five fields). The calendar defaults to the regime's own holiday calendar (`calendarFor`).
 */
export function responseDueBy(
  receivedAt: Date,
  regime: DeadlineRegime,
  calendar: RestDayCalendar = calendarFor(regime),
): Date {
  const p: Pick<DeadlinePeriod, 'days' | 'dayBasis' | 'rollForwardFromRestDay'> = regime.responsePeriod
    ? periodOf(regime, regime.responsePeriod)
    : { days: regime.responseDays, dayBasis: regime.dayBasis, rollForwardFromRestDay: regime.rollForwardFromRestDay };
  return lastDayOfPeriod(localDay(receivedAt, regime.timeZone), p, calendar).endOf('day').toJSDate();
}

/**
 * The end of the customer's review window (cn-cbirc: 核查 within 30 days of the decision),
 * counted like any other period from the day after the decision.
 */
export function reviewDueBy(
  decisionAt: Date,
  regime: DeadlineRegime,
  calendar: RestDayCalendar = calendarFor(regime),
): Date {
  if (!regime.reviewPeriod) throw new Error(`regime ${regime.id} has no review window`);
  return periodDueBy(decisionAt, regime, regime.reviewPeriod, calendar);
}

/** A date with no time of day: a year, a month or a calendar day (2026, 2026-12, 2026-12-20). */
const DATE_ALONE = /^\d{4}(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * The zone whose days end last (UTC−12, as Etc/GMT+12 writes it): a deadline read there has not
 * passed unless it has passed wherever it was set.
 */
export const LATEST_TIME_ZONE = 'Etc/GMT+12';

/**
 * The moment a deadline someone else set (a regulator's) runs out, read the way its setter counts
 * time, in `timeZone`. A date alone is a day to answer in, so it runs to the end (24:00) of that
 * day there (Civil Code Art. 203, as for our own periods); a month or a year alone to the end of
 * its last day; a date and time without an offset is that wall-clock time there; with an offset
 * or Z it is the instant it names. Null when it is not an ISO 8601 date or date-time this reads.
 */
export function deadlineDueBy(deadline: string, timeZone: string): Date | null {
  if (!IANAZone.isValidZone(timeZone)) throw new Error(`invalid zone: ${timeZone}`);
  const dateAlone = DATE_ALONE.exec(deadline);
  if (dateAlone) {
    const start = DateTime.fromISO(deadline, { zone: timeZone });
    if (!start.isValid) return null;
    return start.endOf(dateAlone[2] ? 'day' : dateAlone[1] ? 'month' : 'year').toJSDate();
  }
  // ISO 8601 lets a space stand for the T between date and time; luxon reads only the T.
  const at = DateTime.fromISO(deadline.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, '$1T'), { zone: timeZone });
  return at.isValid ? at.toJSDate() : null;
}

/* ------------------------------------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------------------------------- */

export class RegimeConfigError extends Error {
  constructor(
    readonly regimeId: RegimeId,
    readonly problems: readonly string[],
  ) {
    super(`invalid deadline configuration for ${regimeId}: ${problems.join('; ')}`);
    this.name = 'RegimeConfigError';
  }
}

const REGIME_KEYS = ['timeZone', 'periods', 'responsePeriod', 'reviewPeriod', 'pauseReasons', 'restartOnNewFacts', 'holidayRegion'];
const PERIOD_KEYS = ['days', 'dayBasis', 'rollForwardFromRestDay', 'extendableTo', 'requiresSeniorApproval'];

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * A regime with figures overridden from configuration (an object, or its JSON text as read from
 * an environment variable). Only existing periods can be changed; everything is validated and all
 * problems are reported together in one `RegimeConfigError`.
 *
 * Shape: `{ timeZone?, responsePeriod?, reviewPeriod?, pauseReasons?, restartOnNewFacts?,
 * holidayRegion?, periods?: { [existing name]: { days?, dayBasis?, rollForwardFromRestDay?,
 * extendableTo?, requiresSeniorApproval? } } }`.
 */
export function regimeFromConfig(base: DeadlineRegime, overrides: unknown): DeadlineRegime {
  const problems: string[] = [];
  let o: unknown = overrides;
  if (typeof o === 'string') {
    try {
      o = o.trim() === '' ? {} : JSON.parse(o);
    } catch (e) {
      throw new RegimeConfigError(base.id, [`not valid JSON (${(e as Error).message})`]);
    }
  }
  if (o === undefined || o === null) o = {};
  if (!isPlainObject(o)) throw new RegimeConfigError(base.id, [`expected an object, got ${show(o)}`]);

  for (const k of Object.keys(o)) if (!REGIME_KEYS.includes(k)) problems.push(`${k}: unknown setting (known: ${REGIME_KEYS.join(', ')})`);

  const periods: Record<string, DeadlinePeriod> = {};
  for (const [name, p] of Object.entries(periodsOf(base))) periods[name] = { ...p, extendableTo: [...p.extendableTo] };

  if (o.periods !== undefined) {
    if (!isPlainObject(o.periods)) problems.push(`periods: expected an object, got ${show(o.periods)}`);
    else {
      for (const [name, po] of Object.entries(o.periods)) {
        const at = `periods.${name}`;
        if (!Object.prototype.hasOwnProperty.call(periods, name)) {
          problems.push(`${at}: unknown period (known: ${Object.keys(periods).join(', ')})`);
          continue;
        }
        if (!isPlainObject(po)) {
          problems.push(`${at}: expected an object, got ${show(po)}`);
          continue;
        }
        const target = periods[name];
        for (const k of Object.keys(po)) if (!PERIOD_KEYS.includes(k)) problems.push(`${at}.${k}: unknown setting (known: ${PERIOD_KEYS.join(', ')})`);
        if (po.days !== undefined) {
          if (typeof po.days !== 'number' || !Number.isInteger(po.days) || po.days < 1 || po.days > MAX_DAYS) {
            problems.push(`${at}.days: must be a whole number of days from 1 to ${MAX_DAYS}, got ${show(po.days)}`);
          } else target.days = po.days;
        }
        if (po.dayBasis !== undefined) {
          if (po.dayBasis !== 'calendar' && po.dayBasis !== 'business') problems.push(`${at}.dayBasis: must be "calendar" or "business", got ${show(po.dayBasis)}`);
          else target.dayBasis = po.dayBasis;
        }
        for (const flag of ['rollForwardFromRestDay', 'requiresSeniorApproval'] as const) {
          if (po[flag] === undefined) continue;
          if (typeof po[flag] !== 'boolean') problems.push(`${at}.${flag}: must be true or false, got ${show(po[flag])}`);
          else target[flag] = po[flag];
        }
        if (po.extendableTo !== undefined) {
          if (!Array.isArray(po.extendableTo) || po.extendableTo.some((x) => typeof x !== 'string')) {
            problems.push(`${at}.extendableTo: must be a list of period names, got ${show(po.extendableTo)}`);
          } else target.extendableTo = [...(po.extendableTo as string[])];
        }
      }
    }
  }

  const merged: DeadlineRegime = { ...base, periods };
  if (o.timeZone !== undefined) {
    if (typeof o.timeZone !== 'string' || !IANAZone.isValidZone(o.timeZone)) problems.push(`timeZone: not an IANA time zone: ${show(o.timeZone)}`);
    else merged.timeZone = o.timeZone;
  }
  for (const key of ['responsePeriod', 'reviewPeriod'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(periods, v)) {
      problems.push(`${key}: must name a period (known: ${Object.keys(periods).join(', ')}), got ${show(v)}`);
    } else merged[key] = v;
  }
  if (o.pauseReasons !== undefined) {
    const v = o.pauseReasons;
    if (!Array.isArray(v) || v.some((r) => !PAUSE_REASONS.includes(r as PauseReason))) {
      problems.push(`pauseReasons: must be a list drawn from ${PAUSE_REASONS.join(', ')}, got ${show(v)}`);
    } else merged.pauseReasons = [...(v as PauseReason[])];
  }
  if (o.restartOnNewFacts !== undefined) {
    if (typeof o.restartOnNewFacts !== 'boolean') problems.push(`restartOnNewFacts: must be true or false, got ${show(o.restartOnNewFacts)}`);
    else merged.restartOnNewFacts = o.restartOnNewFacts;
  }
  if (o.holidayRegion !== undefined) {
    if (base.id !== 'uk-fca') problems.push(`holidayRegion: only uk-fca has regional holidays`);
    else if (!UK_REGIONS.includes(o.holidayRegion as never)) problems.push(`holidayRegion: must be one of ${UK_REGIONS.join(', ')}, got ${show(o.holidayRegion)}`);
    else merged.holidayRegion = o.holidayRegion as string;
  }

  // Consistency of the merged result: extension targets exist and are longer than their source.
  for (const [name, p] of Object.entries(periods)) {
    for (const to of p.extendableTo) {
      const target = periods[to];
      if (!target || !Object.prototype.hasOwnProperty.call(periods, to)) problems.push(`periods.${name}.extendableTo: unknown period "${to}"`);
      else if (to === name) problems.push(`periods.${name}.extendableTo: a period cannot extend to itself`);
      else if (target.dayBasis === p.dayBasis && target.days <= p.days) {
        problems.push(`periods.${name}.extendableTo: "${to}" (${target.days} days) is not longer than ${name} (${p.days} days)`);
      }
    }
  }
  if (problems.length) throw new RegimeConfigError(base.id, problems);

  // The legacy fields keep mirroring the response period, so callers reading them stay right.
  const response = periods[merged.responsePeriod ?? 'standard'] ?? periods.standard;
  if (response) {
    merged.responseDays = response.days;
    merged.dayBasis = response.dayBasis;
    merged.rollForwardFromRestDay = response.rollForwardFromRestDay;
  }
  return deepFreeze(merged);
}
