import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@complaints/platform';
import { ClockChangeDto, RetriageDto } from './triage-requests.dto';

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
