import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@complaints/platform';
import { ClassifyRequestDto, ClockChangeDto, RetriageDto } from './triage-requests.dto';

/** Validates a body the way the service's ValidationPipe does, and reports it the way the API does. */
function problemsOf(dto: new () => object, body: unknown) {
  return flattenValidationErrors(validateSync(plainToInstance(dto, body) as object, { whitelist: true, forbidNonWhitelisted: true }));
}

const RETRIAGE = { product: 'B03', cause: 'C07', severity: 'medium', reason: '年费问题属银行卡定价收费' };
const CLOCK = { action: 'extend', toPeriod: 'complex', reason: '需调取对方银行日志' };
const BLANK = ['', '   ', '\u3000', '\u200b', '\u200b\u200c\u200d\u2060\ufeff', ' \u200b '];

describe.each([
  ['re-triage', RetriageDto, RETRIAGE],
  ['clock change', ClockChangeDto, CLOCK],
] as const)('the reason for a %s', (_what, dto, body) => {
  it('takes a reason in words', () => {
    expect(problemsOf(dto, body)).toEqual([]);
    expect(problemsOf(dto, { ...body, reason: '零宽\u200b空格 still says something' })).toEqual([]);
  });

  it.each(BLANK)('refuses the reason %j: auditors would read nothing', (reason) => {
    expect(problemsOf(dto, { ...body, reason })).toEqual([{ path: 'reason', message: 'reason must not be blank (it has no visible character)' }]);
  });
});

describe('the currency of a dry run', () => {
  const CLASSIFY = { text: '信用卡年费被重复收取。', amountMinor: 30000, currency: 'CNY' };

  it.each(['CNY', 'USD', 'GBP', 'HKD', 'JPY', 'KWD'])('takes %s, as intake does', (currency) => {
    expect(problemsOf(ClassifyRequestDto, { ...CLASSIFY, currency })).toEqual([]);
  });

  it('may be left out', () => {
    expect(problemsOf(ClassifyRequestDto, { text: CLASSIFY.text })).toEqual([]);
  });

  // Three capital letters that no complaint could be filed in: intake refuses every one.
  it.each(['XYZ', 'ZZZ', 'XXX', 'XTS', 'XAU', 'XDR', 'cny', 'CN', 'CNYY', 42])('refuses %p', (currency) => {
    expect(problemsOf(ClassifyRequestDto, { ...CLASSIFY, currency })).toEqual([{ path: 'currency', message: 'currency must be an ISO 4217 currency code such as CNY' }]);
  });
});
