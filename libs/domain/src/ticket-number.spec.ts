import { formatTicketNumber, isValidTicketNumber, luhnCheckDigit } from './ticket-number';

/**
 * An independent Luhn validator in the textbook formulation: over the whole number including its
 * check digit, double every second digit from the right (not the rightmost), subtract 9 from
 * doubled values above 9; the number is valid when the sum is a multiple of 10.
 */
function luhnValid(allDigits: string): boolean {
  let sum = 0;
  [...allDigits].reverse().forEach((ch, i) => {
    let d = Number(ch);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  });
  return sum % 10 === 0;
}

/** The 17 digits of a ticket: date, sequence and check digit. */
const digitsOf = (ticket: string): string => ticket.replace(/^CMP-|-/g, '');
/** Rebuilds a ticket from 17 digits. */
const ticketOf = (d: string): string => `CMP-${d.slice(0, 8)}-${d.slice(8, 16)}-${d.slice(16)}`;

describe('formatTicketNumber', () => {
  it('formatTicketNumber_hasTheShape_CMP_date_zeroPaddedSequence_checkDigit', () => {
    const t = formatTicketNumber('20261120', 42);
    expect(t).toMatch(/^CMP-20261120-00000042-\d$/);
  });

  it('formatTicketNumber_checkDigit_makesTheWholeNumberLuhnValid', () => {
    for (const [date, seq] of [
      ['20261120', 1],
      ['20261120', 42],
      ['19991231', 99_999_999],
      ['20000101', 12_345_678],
      ['20261120', 10_000_000],
    ] as const) {
      const t = formatTicketNumber(date, seq);
      expect(luhnValid(digitsOf(t))).toBe(true);
      expect(isValidTicketNumber(t)).toBe(true);
    }
  });

  it('formatTicketNumber_acceptsTheSequenceBounds_1_and_99999999', () => {
    expect(formatTicketNumber('20261120', 1)).toMatch(/^CMP-20261120-00000001-\d$/);
    expect(formatTicketNumber('20261120', 99_999_999)).toMatch(/^CMP-20261120-99999999-\d$/);
  });

  it.each([0, -1, 100_000_000, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'formatTicketNumber_withSequence_%p_throwsRangeError',
    (seq) => {
      expect(() => formatTicketNumber('20261120', seq)).toThrow(/sequence out of range/);
    },
  );

  it.each(['2026112', '202611200', '2026-11-20', 'abcdefgh', '', '２０２６１１２０', '20261399', '20260230', '20261100'])(
    'formatTicketNumber_withDate_%p_throws',
    (date) => {
      expect(() => formatTicketNumber(date, 1)).toThrow(/expected a real date as YYYYMMDD/);
    },
  );
});

describe('luhnCheckDigit', () => {
  it('luhnCheckDigit_ofTheTextbookExample_7992739871_is3', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  it('luhnCheckDigit_appended_alwaysGivesALuhnValidNumber', () => {
    for (let n = 0; n < 2000; n++) {
      const body = String(n * 7919 + 13).padStart(16, '0');
      expect(luhnValid(body + luhnCheckDigit(body))).toBe(true);
    }
  });
});

describe('isValidTicketNumber', () => {
  const good = formatTicketNumber('20261120', 4711);

  it.each([
    ['lower-case prefix', good.toLowerCase()],
    ['surrounding whitespace', ` ${good} `],
    ['missing check digit', good.slice(0, -2)],
    ['short sequence', good.replace('-00004711-', '-4711-')],
    ['extra digit', `${good}0`],
    ['wrong separator', good.replace(/-/g, '_')],
    ['empty', ''],
  ])('isValidTicketNumber_rejects_%s', (_label, candidate) => {
    expect(isValidTicketNumber(candidate)).toBe(false);
  });

  it('isValidTicketNumber_anySingleDigitTypo_isDetected_atEveryPositionWithEveryReplacement', () => {
    for (const ticket of [good, formatTicketNumber('19991231', 99_999_999), formatTicketNumber('20000101', 90_909_090)]) {
      const d = digitsOf(ticket);
      let typos = 0;
      for (let pos = 0; pos < d.length; pos++) {
        for (let r = 0; r <= 9; r++) {
          if (String(r) === d[pos]) continue;
          const typo = ticketOf(d.slice(0, pos) + r + d.slice(pos + 1));
          expect({ typo, valid: isValidTicketNumber(typo) }).toEqual({ typo, valid: false });
          typos += 1;
        }
      }
      expect(typos).toBe(17 * 9);
    }
  });

  /*
   * Adjacent transposition ab → ba changes the Luhn sum unless {a, b} = {0, 9}: the doubled
   * digit contributes 2x−9·[x≥5]; swapping changes the sum by a multiple of 10 only for 0 and 9.
   */
  const undetectable = (a: string, b: string) => (a === '0' && b === '9') || (a === '9' && b === '0');

  it('isValidTicketNumber_adjacentTranspositionInsideDateAndSequence_detectedExceptFor09And90', () => {
    const filler = '3141592653589793'; // 16 body digits, no zero run so the sequence is never 0
    let checked = 0;
    for (let pos = 0; pos < 15; pos++) {
      for (let a = 0; a <= 9; a++) {
        for (let b = 0; b <= 9; b++) {
          if (a === b) continue;
          const body = filler.slice(0, pos) + a + b + filler.slice(pos + 2);
          // Built by hand: most of these bodies are not real dates, which formatTicketNumber refuses.
          const ticket = `CMP-${body.slice(0, 8)}-${body.slice(8)}-${luhnCheckDigit(body)}`;
          const d = digitsOf(ticket);
          const swapped = ticketOf(d.slice(0, pos) + d[pos + 1] + d[pos] + d.slice(pos + 2));
          expect({ swapped, valid: isValidTicketNumber(swapped) }).toEqual({
            swapped,
            valid: undetectable(String(a), String(b)),
          });
          checked += 1;
        }
      }
    }
    expect(checked).toBe(15 * 90);
  });

  it('isValidTicketNumber_transpositionOfLastSequenceDigitAndCheckDigit_detectedExceptFor09And90', () => {
    const seen = new Set<string>();
    for (let seq = 1; seq <= 3000; seq++) {
      const d = digitsOf(formatTicketNumber('20261120', seq));
      const [a, b] = [d[15], d[16]];
      if (a === b) continue;
      seen.add(a + b);
      const swapped = ticketOf(d.slice(0, 15) + b + a);
      expect({ swapped, valid: isValidTicketNumber(swapped) }).toEqual({ swapped, valid: undetectable(a, b) });
    }
    // every ordered pair of different digits, 09 and 90 included, occurred at least once
    expect(seen.size).toBe(90);
  });
});
