import { isQuietAt, parseQuietHours, QuietHours, quietHoursEnd } from './quiet-hours';

const NIGHT = parseQuietHours('21:00-08:00')!;
const LUNCH = parseQuietHours('12:30-14:00')!;
const LATE = parseQuietHours('22:00-01:30')!;
const LATER = parseQuietHours('22:00-02:30')!;
const MINUTE = 60_000;

describe('parseQuietHours', () => {
  it.each([
    ['21:00-08:00', { startMinute: 1260, endMinute: 480 }],
    ['12:30 - 14:00', { startMinute: 750, endMinute: 840 }],
    ['00:00-06:00', { startMinute: 0, endMinute: 360 }],
  ])('reads %s', (spec, expected) => {
    expect(parseQuietHours(spec)).toEqual(expected);
  });

  it('reads "off" as no quiet hours', () => {
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours(' OFF ')).toBeNull();
  });

  it.each(['25:00-08:00', '21:00-08:60', '21:00-21:00', '9pm-8am', '21:00', ''])('refuses %j', (spec) => {
    expect(() => parseQuietHours(spec)).toThrow();
  });
});

/**
 * Real instants on real calendars: the expected ends were worked out from the published clock
 * changes (London 29 March and 25 October 2026, New York 8 March and 1 November 2026).
 */
describe.each<[string, QuietHours, string, string, string, boolean, string]>([
  // window, hours, zone, instant (UTC), local reading, quiet?, quiet ends (UTC)
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-06-15T12:59:00Z', '20:59 in Shanghai', false, '2026-06-15T12:59:00Z'],
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-06-15T13:00:00Z', '21:00 in Shanghai', true, '2026-06-16T00:00:00Z'],
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-06-15T18:30:00Z', '02:30 after midnight', true, '2026-06-16T00:00:00Z'],
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-06-15T23:59:30Z', '07:59:30', true, '2026-06-16T00:00:00Z'],
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-06-16T00:00:00Z', '08:00 sharp', false, '2026-06-16T00:00:00Z'],
  ['21:00-08:00', NIGHT, 'Asia/Shanghai', '2026-12-31T15:00:00Z', '23:00 on New Year\'s Eve', true, '2027-01-01T00:00:00Z'],
  ['21:00-08:00', NIGHT, 'Europe/London', '2026-01-10T21:30:00Z', '21:30 GMT', true, '2026-01-11T08:00:00Z'],
  ['21:00-08:00', NIGHT, 'Europe/London', '2026-07-10T20:30:00Z', '21:30 BST (20:30 UTC)', true, '2026-07-11T07:00:00Z'],
  ['21:00-08:00', NIGHT, 'Europe/London', '2026-07-11T07:30:00Z', '08:30 BST (07:30 UTC)', false, '2026-07-11T07:30:00Z'],
  ['21:00-08:00', NIGHT, 'Europe/London', '2026-03-28T22:00:00Z', '22:00 GMT, clocks go forward overnight', true, '2026-03-29T07:00:00Z'],
  ['21:00-08:00', NIGHT, 'Europe/London', '2026-10-24T21:00:00Z', '22:00 BST, clocks go back overnight', true, '2026-10-25T08:00:00Z'],
  ['21:00-08:00', NIGHT, 'America/New_York', '2026-03-08T03:00:00Z', '22:00 EST, clocks go forward overnight', true, '2026-03-08T12:00:00Z'],
  ['21:00-08:00', NIGHT, 'America/New_York', '2026-11-01T03:00:00Z', '23:00 EDT, clocks go back overnight', true, '2026-11-01T13:00:00Z'],
  ['21:00-08:00', NIGHT, 'America/New_York', '2026-11-01T12:00:00Z', '07:00 EST (08:00 had the clocks not gone back)', true, '2026-11-01T13:00:00Z'],
  ['21:00-08:00', NIGHT, 'America/New_York', '2026-07-04T00:30:00Z', '20:30 EDT on the 3rd', false, '2026-07-04T00:30:00Z'],
  ['12:30-14:00', LUNCH, 'Asia/Shanghai', '2026-06-15T04:29:00Z', '12:29', false, '2026-06-15T04:29:00Z'],
  ['12:30-14:00', LUNCH, 'Asia/Shanghai', '2026-06-15T04:30:00Z', '12:30', true, '2026-06-15T06:00:00Z'],
  ['12:30-14:00', LUNCH, 'Asia/Shanghai', '2026-06-15T06:00:00Z', '14:00', false, '2026-06-15T06:00:00Z'],
  ['22:00-01:30', LATE, 'Europe/London', '2026-03-28T23:00:00Z', '23:00 GMT; 01:30 never happens that night', true, '2026-03-29T01:00:00Z'],
  ['22:00-01:30', LATE, 'Europe/London', '2026-10-24T22:30:00Z', '23:30 BST; 01:30 happens twice that night', true, '2026-10-25T01:30:00Z'],
  ['22:00-02:30', LATER, 'America/New_York', '2026-03-08T04:00:00Z', '23:00 EST; 02:30 never happens that night', true, '2026-03-08T07:00:00Z'],
])('%s in %s at %s', (_window, hours, zone, instant, reading, quiet, end) => {
  const at = new Date(instant);

  it(`(${reading}) is ${quiet ? 'quiet' : 'not quiet'}`, () => {
    expect(isQuietAt(at, hours, zone)).toBe(quiet);
  });

  it(`may send from ${end}`, () => {
    expect(quietHoursEnd(at, hours, zone).toISOString()).toBe(new Date(end).toISOString());
  });

  if (quiet) {
    it('ends at the first minute that is not quiet', () => {
      const ends = quietHoursEnd(at, hours, zone);
      expect(ends.getTime()).toBeGreaterThan(at.getTime());
      expect(isQuietAt(ends, hours, zone)).toBe(false);
      expect(isQuietAt(new Date(ends.getTime() - MINUTE), hours, zone)).toBe(true);
    });
  }
});

describe('quiet hours in a zone luxon cannot read', () => {
  it('throws instead of guessing', () => {
    expect(() => isQuietAt(new Date('2026-06-15T13:00:00Z'), NIGHT, 'Mars/Olympus_Mons')).toThrow();
  });
});
