/**
 * Interest owed to a customer for funds that arrived late: principal x annual rate x year fraction.
 *
 * Every step is an exact rational in BigInt and the result is rounded once, at the end. Rounding
 * per year (ACT/ACT) or going through floating point would move results by a minor unit now and
 * then, and a compensation figure has to be reproducible to the fen by anyone re-checking it.
 * Dates are plain calendar dates: late funds are owed per day, not per instant, so no time zone
 * can shift a day in or out of the count.
 */

export const DAY_COUNT_BASES = ['ACT/365F', 'ACT/360', 'ACT/ACT-ISDA', '30E/360'] as const;
export type DayCountBasis = (typeof DAY_COUNT_BASES)[number];

/** half-up: a tie goes away from zero; half-even: a tie goes to the even neighbour (banker's rounding). */
export const ROUNDING_MODES = ['half-up', 'half-even'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

export class InterestInputError extends Error {}

export interface DelayInterestInput {
  /** Safe non-negative integer, minor units. */
  principalMinor: number;
  /** Decimal string such as "0.0435" (4.35 % a year): at most 10 decimal places, no sign, no exponent. */
  annualRate: string;
  /** 'YYYY-MM-DD', the first day the funds were late (inclusive). */
  from: string;
  /** 'YYYY-MM-DD', the day they arrived (exclusive); not before `from`. */
  to: string;
  basis: DayCountBasis;
  rounding: RoundingMode;
}

export interface DelayInterest {
  amountMinor: number;
  /** Days counted under the basis: actual days for the ACT bases, 30E/360 days for 30E/360. */
  days: number;
  /** The exact, unrounded interest in minor units as a reduced fraction, so a reviewer can see the rounding. */
  exact: { numerator: string; denominator: string };
}

/** Ten places is a millionth of a basis point, finer than any rate a bank publishes or a court sets. */
const MAX_RATE_DECIMALS = 10;

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function parseDate(text: string, label: string): CalendarDate {
  const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (!match) throw new InterestInputError(`${label} must be a date as YYYY-MM-DD, got ${JSON.stringify(text)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InterestInputError(`${label} ${text} is not a calendar date`);
  }
  return { year, month, day };
}

/**
 * Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). Integer
 * arithmetic rather than Date: Date.UTC maps years 0-99 onto 1900-1999 and invites time-zone slips.
 */
function epochDay({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function parsePeriod(from: string, to: string): { start: CalendarDate; end: CalendarDate } {
  const start = parseDate(from, 'from');
  const end = parseDate(to, 'to');
  if (epochDay(end) < epochDay(start)) throw new InterestInputError(`to (${to}) is before from (${from})`);
  return { start, end };
}

function assertBasis(basis: unknown): asserts basis is DayCountBasis {
  if (!(DAY_COUNT_BASES as readonly unknown[]).includes(basis)) {
    throw new InterestInputError(`unknown day-count basis ${JSON.stringify(basis)}; expected one of ${DAY_COUNT_BASES.join(', ')}`);
  }
}

function thirtyEDays(start: CalendarDate, end: CalendarDate): number {
  const d1 = Math.min(start.day, 30);
  const d2 = Math.min(end.day, 30);
  return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1);
}

/** Days between `from` (inclusive) and `to` (exclusive) as the basis counts them. */
export function dayCount(from: string, to: string, basis: DayCountBasis): number {
  assertBasis(basis);
  const { start, end } = parsePeriod(from, to);
  return basis === '30E/360' ? thirtyEDays(start, end) : epochDay(end) - epochDay(start);
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function reduce(numerator: bigint, denominator: bigint): { numerator: bigint; denominator: bigint } {
  if (numerator === 0n) return { numerator: 0n, denominator: 1n };
  const divisor = gcd(numerator, denominator);
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

/** Year fraction of the period as an exact ratio. */
function yearFraction(start: CalendarDate, end: CalendarDate, basis: DayCountBasis): { numerator: bigint; denominator: bigint } {
  switch (basis) {
    case 'ACT/365F':
      return { numerator: BigInt(epochDay(end) - epochDay(start)), denominator: 365n };
    case 'ACT/360':
      return { numerator: BigInt(epochDay(end) - epochDay(start)), denominator: 360n };
    case '30E/360':
      return { numerator: BigInt(thirtyEDays(start, end)), denominator: 360n };
    case 'ACT/ACT-ISDA': {
      // Every year's share is over 365 or 366, so keeping the two day totals apart and combining them
      // over 365 x 366 stays exact however many years the period spans.
      let ordinaryDays = 0;
      let leapDays = 0;
      const endDay = epochDay(end);
      for (let year = start.year; year <= end.year; year++) {
        const from = Math.max(epochDay(start), epochDay({ year, month: 1, day: 1 }));
        const to = Math.min(endDay, epochDay({ year: year + 1, month: 1, day: 1 }));
        if (to <= from) continue;
        if (isLeapYear(year)) leapDays += to - from;
        else ordinaryDays += to - from;
      }
      return { numerator: BigInt(ordinaryDays) * 366n + BigInt(leapDays) * 365n, denominator: 365n * 366n };
    }
  }
}

/** numerator / denominator rounded to an integer; ties as `mode` says. Both must be non-negative, denominator > 0. */
export function roundRatio(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator <= 0n) throw new RangeError(`denominator must be positive, got ${denominator}`);
  if (numerator < 0n) throw new RangeError(`numerator must not be negative, got ${numerator}`);
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  if (twiceRemainder < denominator) return quotient;
  if (twiceRemainder > denominator) return quotient + 1n;
  switch (mode) {
    case 'half-up':
      return quotient + 1n;
    case 'half-even':
      return quotient % 2n === 0n ? quotient : quotient + 1n;
    default:
      throw new RangeError(`unknown rounding mode ${JSON.stringify(mode)}; expected one of ${ROUNDING_MODES.join(', ')}`);
  }
}

/**
 * "0.0435" -> 87/2000, reduced. Only plain decimals: a sign, an exponent or a bare ".5" is refused
 * rather than guessed at. Above 1 (100 % a year) the figure is almost certainly a percentage typed
 * where a fraction was meant, so that is refused too.
 */
export function parseRate(rate: string): { numerator: bigint; denominator: bigint } {
  const match = typeof rate === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(rate) : null;
  if (!match) throw new InterestInputError(`annual rate must be a plain decimal such as "0.0435", got ${JSON.stringify(rate)}`);
  const [, whole, fraction = ''] = match;
  if (fraction.length > MAX_RATE_DECIMALS) {
    throw new InterestInputError(`annual rate has at most ${MAX_RATE_DECIMALS} decimal places; "${rate}" has ${fraction.length}`);
  }
  const denominator = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole + fraction);
  if (numerator > denominator) {
    throw new InterestInputError(`annual rate "${rate}" is above 1 (100 % a year); rates are fractions, 4.35 % is "0.0435"`);
  }
  return reduce(numerator, denominator);
}

export function delayInterest(input: DelayInterestInput): DelayInterest {
  const { principalMinor, annualRate, from, to, basis, rounding } = input;
  if (!Number.isSafeInteger(principalMinor) || principalMinor < 0) {
    throw new InterestInputError(`principal must be a non-negative safe integer of minor units, got ${principalMinor}`);
  }
  assertBasis(basis);
  if (!(ROUNDING_MODES as readonly unknown[]).includes(rounding)) {
    throw new InterestInputError(`unknown rounding mode ${JSON.stringify(rounding)}; expected one of ${ROUNDING_MODES.join(', ')}`);
  }
  const rate = parseRate(annualRate);
  const { start, end } = parsePeriod(from, to);
  const fraction = yearFraction(start, end, basis);

  const exact = reduce(BigInt(principalMinor) * rate.numerator * fraction.numerator, rate.denominator * fraction.denominator);
  const amount = roundRatio(exact.numerator, exact.denominator, rounding);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InterestInputError(`interest of ${amount} minor units is beyond the safe integer range; check principal, rate and dates`);
  }
  return {
    amountMinor: Number(amount),
    days: basis === '30E/360' ? thirtyEDays(start, end) : epochDay(end) - epochDay(start),
    exact: { numerator: exact.numerator.toString(), denominator: exact.denominator.toString() },
  };
}
