import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@complaints/platform';
import { AmendComplaintDto, SupplementDto, WithdrawDto } from './self-service.dto';

/** Validates a body the way the service's ValidationPipe does, and reports it the way the API does. */
function problemsOf(dto: new () => object, body: unknown) {
  return flattenValidationErrors(validateSync(plainToInstance(dto, body) as object, { whitelist: true, forbidNonWhitelisted: true }));
}
const pathsOf = (dto: new () => object, body: unknown) => [...new Set(problemsOf(dto, body).map((p) => p.path))].sort();

const AMENDMENT = { phone: '13800000000', email: 'new@example.com', preferredReplyChannel: 'email', language: 'zh-CN', description: '更正：金额为300元。' };
const SUPPLEMENT = { text: '补充：扣款时间为11月20日。', attachments: [{ reference: `fs:${'b'.repeat(64)}`, sha256: 'b'.repeat(64), sizeBytes: 10, mediaType: 'image/png' }] };

const BLANK = ['', '   ', '\u3000', '\t\n', '\u200b', '\u200b\u200c\u200d\u2060\ufeff', ' \u200b \ufeff '];

describe('amendments', () => {
  it('takes every amendable field, and any one of them alone', () => {
    expect(problemsOf(AmendComplaintDto, AMENDMENT)).toEqual([]);
    for (const [field, value] of Object.entries(AMENDMENT)) expect(problemsOf(AmendComplaintDto, { [field]: value })).toEqual([]);
  });

  it.each(Object.keys(AMENDMENT))('refuses %s: null, which would erase it or fail, with its path', (field) => {
    const problems = problemsOf(AmendComplaintDto, { ...AMENDMENT, [field]: null });
    expect([...new Set(problems.map((p) => p.path))]).toEqual([field]);
    expect(problems.map((p) => p.message)).toContain(`${field} must not be null; leave it out instead`);
  });

  it.each(BLANK)('refuses the corrected description %j', (description) => {
    expect(problemsOf(AmendComplaintDto, { description })).toEqual([{ path: 'description', message: 'description must not be blank (it has no visible character)' }]);
  });

  it.each(['-----', '1234', '+ - -'])('refuses the phone %j: fewer than five digits', (phone) => {
    expect(pathsOf(AmendComplaintDto, { phone })).toEqual(['phone']);
  });
});

describe('supplements', () => {
  it('takes text, attachments, or both', () => {
    expect(problemsOf(SupplementDto, SUPPLEMENT)).toEqual([]);
    expect(problemsOf(SupplementDto, { text: SUPPLEMENT.text })).toEqual([]);
    expect(problemsOf(SupplementDto, { attachments: SUPPLEMENT.attachments })).toEqual([]);
  });

  it.each(BLANK)('refuses the text %j, also beside an attachment', (text) => {
    expect(problemsOf(SupplementDto, { text })).toEqual([{ path: 'text', message: 'text must not be blank (it has no visible character)' }]);
    expect(pathsOf(SupplementDto, { ...SUPPLEMENT, text })).toEqual(['text']);
  });

  it.each(['text', 'attachments'])('refuses %s: null', (field) => {
    expect(pathsOf(SupplementDto, { ...SUPPLEMENT, [field]: null })).toEqual([field]);
  });
});

describe('withdrawal', () => {
  it('takes a reason, or none', () => {
    expect(problemsOf(WithdrawDto, { reason: '问题已解决' })).toEqual([]);
    expect(problemsOf(WithdrawDto, {})).toEqual([]);
  });

  it.each(BLANK)('refuses the reason %j', (reason) => {
    expect(problemsOf(WithdrawDto, { reason })).toEqual([{ path: 'reason', message: 'reason must not be blank (it has no visible character)' }]);
  });

  it('refuses the reason null', () => {
    expect(pathsOf(WithdrawDto, { reason: null })).toEqual(['reason']);
  });
});
