import { DateTime } from 'luxon';

export type RegimeId = 'cn-cbirc' | 'uk-fca' | 'us-cfpb';

export interface DeadlineRegime {
  id: RegimeId;
  /** The zone in which the regulator counts days. */
  timeZone: string;
  /** Days allowed for the final response, counted as `dayBasis`. */
  responseDays: number;
  dayBasis: 'calendar' | 'business';
  /**
   * China's Civil Code (Art. 203): a period whose last day is a rest day ends on the next working
   * day. Business-day regimes never land on a rest day in the first place.
   */
  rollForwardFromRestDay: boolean;
}

/** Defaults; deployments override the figures from configuration. */
export const DEFAULT_REGIMES: Record<RegimeId, DeadlineRegime> = {
  'cn-cbirc': { id: 'cn-cbirc', timeZone: 'Asia/Shanghai', responseDays: 15, dayBasis: 'calendar', rollForwardFromRestDay: true },
  'uk-fca': { id: 'uk-fca', timeZone: 'Europe/London', responseDays: 56, dayBasis: 'calendar', rollForwardFromRestDay: false },
  'us-cfpb': { id: 'us-cfpb', timeZone: 'America/New_York', responseDays: 15, dayBasis: 'calendar', rollForwardFromRestDay: false },
};

/**
 * Which local dates are rest days. Weekends by default; a maintained public-holiday calendar
 * (with 调休 make-up working days) plugs in here.
 */
export interface RestDayCalendar {
  isRestDay(localDate: DateTime): boolean;
}

export const weekendsOnly: RestDayCalendar = {
  isRestDay: (d) => d.weekday === 6 || d.weekday === 7,
};

/**
 * The moment by which the final response is due. The day of receipt is not counted (Civil Code
 * Art. 201; the same convention as FCA and CFPB counting), so the period runs from the next local
 * day; the response is due by the end of the last day in the regime's zone.
 */
export function responseDueBy(
  receivedAt: Date,
  regime: DeadlineRegime,
  calendar: RestDayCalendar = weekendsOnly,
): Date {
  let day = DateTime.fromJSDate(receivedAt, { zone: regime.timeZone }).startOf('day');
  if (!day.isValid) throw new Error(`invalid receipt time or zone: ${regime.timeZone}`);
  if (regime.dayBasis === 'calendar') {
    day = day.plus({ days: regime.responseDays });
  } else {
    let counted = 0;
    while (counted < regime.responseDays) {
      day = day.plus({ days: 1 });
      if (!calendar.isRestDay(day)) counted += 1;
    }
  }
  if (regime.rollForwardFromRestDay) {
    while (calendar.isRestDay(day)) day = day.plus({ days: 1 });
  }
  return day.endOf('day').toJSDate();
}
