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

/**
 * Currencies a customer can hold or pay in: the runtime's ISO 4217 list (ICU's: current currencies and
 * recently replaced ones such as HRK) and every currency above, so a channel's amount that converts is
 * never refused. ISO 4217 also codes what is not money in anyone's account: units of account (XDR,
 * XSU, XUA), bond-market units (XBA-XBD), precious metals (XAU, XAG, XPD, XPT), the testing code (XTS)
 * and "no currency" (XXX). They are left out even if a later ICU lists them.
 */
const NOT_MONEY = new Set(['XDR', 'XSU', 'XUA', 'XBA', 'XBB', 'XBC', 'XBD', 'XAU', 'XAG', 'XPD', 'XPT', 'XTS', 'XXX']);
const ISO_4217_CURRENCIES: ReadonlySet<string> = new Set(
  [...Intl.supportedValuesOf('currency'), ...Object.keys(CURRENCY_EXPONENTS)].filter((code) => !NOT_MONEY.has(code)),
);

/** Whether `code` is an ISO 4217 currency (upper case, as ISO writes it); ZZZ, BTC and XXX are not. */
export function isIso4217Currency(code: unknown): boolean {
  return typeof code === 'string' && ISO_4217_CURRENCIES.has(code);
}

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
