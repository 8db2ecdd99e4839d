/**
 * Money as integer minor units (fen, cents) and an ISO 4217 code. Channels send decimal strings
 * ("300.00", "1,250.5"); converting through floating point would lose fen, so this works on digits.
 */

/** Minor-unit exponent of the currencies a bank here deals in; ISO 4217 lists the rest. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  CNY: 2, HKD: 2, MOP: 2, TWD: 2, USD: 2, EUR: 2, GBP: 2, AUD: 2, CAD: 2, SGD: 2, CHF: 2, NZD: 2,
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0,
  BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3,
};

export class MoneyFormatError extends Error {}

/** "1,250.50" CNY -> 125050. Refuses more decimals than the currency has, negatives and non-numbers. */
export function toMinorUnits(decimal: string, currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new MoneyFormatError(`unknown currency ${currency}`);
  const text = decimal.trim().replace(/,(?=\d{3}(?:\D|$))/g, '');
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new MoneyFormatError(`"${decimal}" is not an amount`);
  const [, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > exponent) throw new MoneyFormatError(`${currency} has ${exponent} decimal places; "${decimal}" has more`);
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt((fraction + '0'.repeat(exponent)).slice(0, exponent) || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyFormatError(`"${decimal}" is too large`);
  return Number(minor);
}
