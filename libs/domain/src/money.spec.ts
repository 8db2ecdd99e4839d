import { CURRENCY_EXPONENTS, isIso4217Currency, MoneyFormatError, toMinorUnits } from './money';

describe('toMinorUnits', () => {
  it.each([
    ['300.00', 'CNY', 30000],
    ['300', 'CNY', 30000],
    ['0.01', 'CNY', 1],
    ['1,250.5', 'CNY', 125050],
    ['12,345,678.90', 'USD', 1234567890],
    ['  42.10 ', 'EUR', 4210],
    ['1500', 'JPY', 1500],
    ['1500.000', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['0.1', 'CNY', 10],
    ['19.99', 'CNY', 1999],
  ])('toMinorUnits(%p, %s) = %p', (decimal, currency, minor) => {
    expect(toMinorUnits(decimal, currency)).toBe(minor);
  });

  it('keeps every fen where floating point would not', () => {
    // 0.1 + 0.2 style errors: 4.35 * 100 = 434.99999999999994 in floating point.
    expect(toMinorUnits('4.35', 'CNY')).toBe(435);
    expect(toMinorUnits('1.005', 'KWD')).toBe(1005);
  });

  it.each([
    ['1.001', 'CNY', /2 decimal places/],
    ['1.5', 'JPY', /0 decimal places/],
    ['-5.00', 'CNY', /not an amount/],
    ['5e3', 'CNY', /not an amount/],
    ['', 'CNY', /not an amount/],
    ['12,34.00', 'CNY', /not an amount/],
    ['abc', 'CNY', /not an amount/],
    ['1.00', 'XXX', /unknown currency/],
    ['99999999999999999', 'CNY', /too large/],
  ])('toMinorUnits(%p, %s) is refused', (decimal, currency, message) => {
    expect(() => toMinorUnits(decimal, currency)).toThrow(MoneyFormatError);
    expect(() => toMinorUnits(decimal, currency)).toThrow(message);
  });
});

describe('isIso4217Currency', () => {
  it.each(['CNY', 'HKD', 'USD', 'EUR', 'GBP', 'JPY', 'KWD', 'THB', 'INR', 'XOF', 'XAF', 'XCD', 'XPF'])('isIso4217Currency(%s) is true', (code) => {
    expect(isIso4217Currency(code)).toBe(true);
  });

  it.each(['ZZZ', 'ABC', 'BTC', 'XXX', 'XTS', 'XDR', 'XSU', 'XAU', 'XAG', 'cny', 'Cny', 'CN', 'CNYY', ' CNY', '', null, undefined, 156])(
    'isIso4217Currency(%p) is false',
    (code) => {
      expect(isIso4217Currency(code)).toBe(false);
    },
  );

  it('takes every currency toMinorUnits converts, so what a channel converted is never refused', () => {
    expect(Object.keys(CURRENCY_EXPONENTS).filter((code) => !isIso4217Currency(code))).toEqual([]);
  });
});
