import { DateTime, IANAZone } from 'luxon';

/**
 * Quiet hours: the part of the customer's day in which no text message arrives and nobody calls,
 * as wall-clock times in the customer's time zone. Pure: the time zone rules come from the IANA
 * database through luxon, never from offsets worked out here.
 */
export interface QuietHours {
  /** Minutes after local midnight at which quiet begins (inclusive). */
  startMinute: number;
  /** Minutes after local midnight at which quiet ends (exclusive). */
  endMinute: number;
}

export const DEFAULT_QUIET_HOURS = '21:00-08:00';

/**
 * "21:00-08:00" (from 21:00 until 08:00 the next morning) or "12:30-14:00" (within one day);
 * "off" for none. A window that starts where it ends would be all day or no time at all, so it is refused.
 */
export function parseQuietHours(spec: string): QuietHours | null {
  const text = spec.trim();
  if (text.toLowerCase() === 'off') return null;
  const match = /^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`quiet hours must look like "21:00-08:00" or be "off", got "${spec}"`);
  const [startHour, startMin, endHour, endMin] = match.slice(1).map(Number);
  if (startHour > 23 || endHour > 23 || startMin > 59 || endMin > 59) throw new Error(`quiet hours "${spec}" name a time that is not on the clock`);
  const startMinute = startHour * 60 + startMin;
  const endMinute = endHour * 60 + endMin;
  if (startMinute === endMinute) throw new Error(`quiet hours "${spec}" start where they end`);
  return { startMinute, endMinute };
}

export function assertTimeZone(zone: string): string {
  if (!IANAZone.isValidZone(zone)) throw new Error(`"${zone}" is not an IANA time zone`);
  return zone;
}

function local(at: Date, zone: string): DateTime {
  const time = DateTime.fromJSDate(at, { zone });
  if (!time.isValid) throw new Error(`cannot read ${at.toISOString()} in time zone "${zone}"`);
  return time;
}

const minuteOfDay = (time: DateTime) => time.hour * 60 + time.minute;

/** Whether `at` falls in quiet hours on the customer's clock. */
export function isQuietAt(at: Date, hours: QuietHours, zone: string): boolean {
  const minute = minuteOfDay(local(at, zone));
  return hours.startMinute < hours.endMinute
    ? minute >= hours.startMinute && minute < hours.endMinute
    : minute >= hours.startMinute || minute < hours.endMinute;
}

/**
 * When a message held at `at` may go: `at` itself outside quiet hours, otherwise the first moment
 * the customer's clock shows the end of quiet hours. On the night the clocks go back, an end time
 * that happens twice is taken the second time (the first is followed by another quiet hour); an
 * end time the clocks skip when they go forward ends quiet hours at the jump.
 */
export function quietHoursEnd(at: Date, hours: QuietHours, zone: string): Date {
  if (!isQuietAt(at, hours, zone)) return at;
  const now = local(at, zone);
  // Before the end on the same calendar day (the early-morning part of a window crossing midnight,
  // or inside a window within one day), otherwise the end is on the next day.
  const endsToday = minuteOfDay(now) < hours.endMinute;
  const day = endsToday ? now : now.plus({ days: 1 });
  let end = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(hours.endMinute / 60), minute: hours.endMinute % 60 },
    { zone },
  );
  // luxon moves a time inside a spring-forward gap later by the gap; quiet ended at the jump itself.
  while (!isQuietAt(end.minus({ minutes: 1 }).toJSDate(), hours, zone) && end.minus({ minutes: 1 }).toMillis() > at.getTime()) {
    end = end.minus({ minutes: 1 });
  }
  return end.toJSDate();
}
