import { isMandatory, nextSendWithinLimit, parseRateLimit } from './rate-limit';

const HOUR = 3_600_000;
const at = (hhmmss: string, day = '2026-06-15') => new Date(`${day}T${hhmmss}Z`);

describe('parseRateLimit', () => {
  it.each([
    ['3/1h', { limit: 3, windowMs: HOUR }],
    ['10/24h', { limit: 10, windowMs: 24 * HOUR }],
    ['5 / 30m', { limit: 5, windowMs: 30 * 60_000 }],
    ['2/1d', { limit: 2, windowMs: 24 * HOUR }],
    ['1/90s', { limit: 1, windowMs: 90_000 }],
  ])('reads %s', (spec, expected) => {
    expect(parseRateLimit(spec)).toEqual(expected);
  });

  it('reads "off" as no limit', () => {
    expect(parseRateLimit('off')).toBeNull();
  });

  it.each(['0/1h', '3/0h', '3 per hour', '3/1w', '3', '-1/1h', ''])('refuses %j', (spec) => {
    expect(() => parseRateLimit(spec)).toThrow();
  });
});

describe('nextSendWithinLimit (3 per rolling hour, now 10:00)', () => {
  const rule = { limit: 3, windowMs: HOUR };
  const now = at('10:00:00');

  it.each<[string, string[], string]>([
    ['nothing sent yet', [], '10:00:00'],
    ['two in the window', ['09:10:00', '09:50:00'], '10:00:00'],
    ['three in the window: the oldest must leave first', ['09:50:00', '09:10:00', '09:20:00'], '10:10:00'],
    ['four in the window: two must leave', ['09:05:00', '09:10:00', '09:20:00', '09:50:00'], '10:10:00'],
    ['older messages do not count, nor one exactly a window ago', ['08:59:59', '09:00:00', '09:30:00'], '10:00:00'],
    ['one sent this very moment counts', ['09:10:00', '09:20:00', '10:00:00'], '10:10:00'],
    ['messages after now do not count', ['09:10:00', '09:20:00', '10:05:00'], '10:00:00'],
  ])('%s', (_what, sent, expected) => {
    expect(nextSendWithinLimit(sent.map((t) => at(t)), rule, now).toISOString()).toBe(at(expected).toISOString());
  });

  it('one a day: the window rolls from the last message, not from midnight', () => {
    const next = nextSendWithinLimit([at('12:00:00', '2026-06-14')], { limit: 1, windowMs: 24 * HOUR }, at('10:00:00', '2026-06-15'));
    expect(next.toISOString()).toBe('2026-06-15T12:00:00.000Z');
  });

  it('the moment it names is itself within the limit', () => {
    const sent = ['09:05:00', '09:10:00', '09:20:00', '09:50:00'].map((t) => at(t));
    const next = nextSendWithinLimit(sent, rule, now);
    expect(nextSendWithinLimit(sent, rule, next)).toEqual(next);
    expect(nextSendWithinLimit(sent, rule, new Date(next.getTime() - 1)).getTime()).toBeGreaterThan(next.getTime() - 1);
  });
});

describe('isMandatory', () => {
  it.each([
    ['acknowledgement', true],
    ['final-response', true],
    ['summary-resolution', true],
    ['progress', false],
    ['survey', false],
    ['remedy-paid', false],
  ])('%s: %s', (kind, mandatory) => {
    expect(isMandatory(kind)).toBe(mandatory);
  });
});
