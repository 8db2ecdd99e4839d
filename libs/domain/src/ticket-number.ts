import { DateTime } from 'luxon';

/**
 * Customer-facing ticket numbers: `CMP-YYYYMMDD-NNNNNNNN-C`, the date of receipt in the bank's zone,
 * a sequence from the database and a check digit (Luhn mod 10) so a mistyped number is caught
 * before it is looked up.
 */
export function formatTicketNumber(localDate: string, sequence: number): string {
  if (!/^\d{8}$/.test(localDate) || !DateTime.fromFormat(localDate, 'yyyyLLdd').isValid) {
    throw new Error(`expected a real date as YYYYMMDD, got ${localDate}`);
  }
  if (!Number.isSafeInteger(sequence) || sequence <= 0 || sequence > 99_999_999) {
    throw new Error(`sequence out of range: ${sequence}`);
  }
  const body = `${localDate}${String(sequence).padStart(8, '0')}`;
  return `CMP-${localDate}-${body.slice(8)}-${luhnCheckDigit(body)}`;
}

export function isValidTicketNumber(ticket: string): boolean {
  const m = /^CMP-(\d{8})-(\d{8})-(\d)$/.exec(ticket);
  if (!m) return false;
  return luhnCheckDigit(m[1] + m[2]) === Number(m[3]);
}

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}
