import { maskDigitRuns, maskValue, redactedSummary, redactPersonalText } from './redaction';

/** The rule: every digit (and a trailing X) kept in order, all but the last four replaced by '*'. */
const masked = (digits: string): string => '*'.repeat(digits.length - 4) + digits.slice(-4);

describe('maskDigitRuns — personal numbers are masked, last four kept', () => {
  it.each([
    ['11-digit CN mobile', '13800138000', '8000'],
    ['mobile with spaces', '138 0013 8000', '8000'],
    ['mobile with dashes', '138-0013-8000', '8000'],
  ])('maskDigitRuns_%s_keepsOnlyTheLastFourDigits', (_label, phone, lastFour) => {
    const out = maskDigitRuns(`请回电${phone}谢谢`);
    expect(out).toBe(`请回电${masked('13800138000')}谢谢`);
    expect(out.endsWith(`${lastFour}谢谢`)).toBe(true);
    expect(out).not.toContain('138');
  });

  it('maskDigitRuns_18DigitIdEndingInX_keepsTheLastFourIncludingX', () => {
    expect(maskDigitRuns('身份证号11010519491231002X。')).toBe(`身份证号${masked('11010519491231002X')}。`);
    expect(maskDigitRuns('身份证号11010519491231002X。')).toBe(`身份证号${'*'.repeat(14)}002X。`);
  });

  it('maskDigitRuns_18DigitIdEndingInLowerCaseX_isMasked', () => {
    expect(maskDigitRuns('ID 11010519491231002x')).toBe(`ID ${masked('11010519491231002x')}`);
  });

  it('maskDigitRuns_18DigitAllNumericId_isMasked', () => {
    expect(maskDigitRuns('证件110105194912310021')).toBe(`证件${masked('110105194912310021')}`);
  });

  it('maskDigitRuns_16DigitCardInsideChineseText_keepsLastFour', () => {
    expect(maskDigitRuns('我的卡号6222021234567890被盗刷了')).toBe(`我的卡号${masked('6222021234567890')}被盗刷了`);
    expect(maskDigitRuns('我的卡号6222021234567890被盗刷了')).toBe(`我的卡号${'*'.repeat(12)}7890被盗刷了`);
  });

  it('maskDigitRuns_19DigitCardInsideChineseText_keepsLastFour', () => {
    expect(maskDigitRuns('借记卡6217001234567890123扣款')).toBe(`借记卡${masked('6217001234567890123')}扣款`);
  });

  it('maskDigitRuns_cardWrittenInGroupsOfFour_isMaskedAsOneRun', () => {
    expect(maskDigitRuns('卡号 6222 0212 3456 7890 。')).toBe(`卡号 ${masked('6222021234567890')} 。`);
  });

  it('maskDigitRuns_severalNumbersInOneText_areEachMasked', () => {
    const out = maskDigitRuns('手机13800138000，卡号6222021234567890，身份证11010519491231002X');
    expect(out).toBe(
      `手机${masked('13800138000')}，卡号${masked('6222021234567890')}，身份证${masked('11010519491231002X')}`,
    );
  });

  it('maskDigitRuns_sevenDigitRun_isTheShortestMasked', () => {
    expect(maskDigitRuns('账号1234567')).toBe('账号***4567');
    expect(maskDigitRuns('账号123456')).toBe('账号123456');
  });

  it('maskDigitRuns_outputNeverContainsAnyMaskedDigit', () => {
    const secret = '6222021234567890';
    const out = maskDigitRuns(`card ${secret} end`);
    expect(out).not.toMatch(/\d{5,}/);
    expect(out.replace(/[^\d]/g, '')).toBe(secret.slice(-4));
  });
});

describe('maskDigitRuns — short numbers stay readable', () => {
  it.each([
    ['amount', '被扣了5000元'],
    ['amount with separators', '损失1,000,000元'],
    ['decimal amount', '手续费 25.50 元'],
    ['time', '14:30在柜台'],
    ['time with seconds', '于12:30:45到账'],
    ['Chinese date', '2026年11月20日'],
    ['slashed date', '20/11/2026'],
    ['six digits', '验证码 123456'],
    ['six digits with dashes', '编号 12-34-56'],
    ['six digits in two groups', '共 123 456 笔'],
    ['no digits', '柜台服务态度差'],
  ])('maskDigitRuns_%s_isUntouched', (_label, text) => {
    expect(maskDigitRuns(text)).toBe(text);
  });

  it('maskDigitRuns_amountNextToAMaskedCard_isUntouched', () => {
    expect(maskDigitRuns('卡6222021234567890被扣5000元')).toBe(`卡${masked('6222021234567890')}被扣5000元`);
  });

  // Regression: an ISO date is a run of 8 digits with dashes, so it is masked ("****1120").
  it('maskDigitRuns_isoDate_2026-11-20_isUntouched', () => {
    expect(maskDigitRuns('于2026-11-20转账')).toBe('于2026-11-20转账');
  });

  // Regression: the space between date and time joins them into one run: "******2014:30".
  it('maskDigitRuns_isoDateFollowedByTime_isUntouched', () => {
    expect(maskDigitRuns('于2026-11-20 14:30转账5000元')).toBe('于2026-11-20 14:30转账5000元');
  });
});

describe('maskValue', () => {
  it('maskValue_byDefault_keepsTheLastFourCharacters', () => {
    expect(maskValue('6222021234567890')).toBe(masked('6222021234567890'));
    expect(maskValue('zhang.san@example.com')).toBe('*'.repeat(17) + '.com');
  });

  it('maskValue_withVisible_keepsThatManyCharacters', () => {
    expect(maskValue('张三丰', 1)).toBe('**丰');
    expect(maskValue('13800138000', 2)).toBe('*'.repeat(9) + '00');
  });

  it('maskValue_valueNoLongerThanVisible_isMaskedCompletely', () => {
    expect(maskValue('1234')).toBe('****');
    expect(maskValue('123')).toBe('***');
    expect(maskValue('')).toBe('');
  });

  it('maskValue_keepsTheLength', () => {
    for (const v of ['a', 'abcd', 'abcdef', '张三', '6222021234567890']) {
      expect(maskValue(v)).toHaveLength(v.length);
    }
  });

  // Regression: slice(-0) is slice(0), so visible = 0 appends the whole value: maskValue('abc', 0) === '***abc'.
  it('maskValue_withVisibleZero_revealsNothing', () => {
    expect(maskValue('abc', 0)).toBe('***');
  });
});

describe('redactPersonalText', () => {
  it('replaces the names and values the customer gave, wherever they appear', () => {
    const text = '我是张三丰，张三丰的卡被盗刷。John Smith called; JOHN  SMITH again.';
    const out = redactPersonalText(text, ['张三丰', 'John Smith']);
    expect(out).not.toMatch(/张三丰|john\s+smith/i);
    expect(out).toContain('我是***，***的卡被盗刷');
  });

  it('replaces a full name before a part of it', () => {
    expect(redactPersonalText('Mary Ann Lee and Mary', ['Mary', 'Mary Ann Lee'])).toBe('******** and ****');
  });

  it('masks e-mail addresses, known or not', () => {
    const out = redactPersonalText('write to jia.yi@example.com or ops.team@bank.example.cn', []);
    expect(out).not.toContain('jia.yi@example.com');
    expect(out).not.toContain('ops.team@bank');
    expect(out).toContain('j***@***.com');
  });

  it('masks digit runs and treats pattern characters in names literally', () => {
    const out = redactPersonalText('call 13912340000 (a.b)', ['(a.b)']);
    expect(out).toBe('call *******0000 *****');
  });

  it('ignores empty and one-character values, which would blank out ordinary text', () => {
    expect(redactPersonalText('a b c', ['', ' ', 'a', null, undefined])).toBe('a b c');
  });
});

describe('redactedSummary', () => {
  it('leaves a summary within the limit as redactPersonalText gives it', () => {
    expect(redactedSummary('王五 说 wang@example.cn 不对', ['王五'])).toBe(redactPersonalText('王五 说 wang@example.cn 不对', ['王五']));
  });

  it('cuts a description that redaction made longer than an event may carry, and marks the cut', () => {
    const description = '请联系 a@b.cn '.repeat(400).slice(0, 4000);
    expect(redactPersonalText(description, []).length).toBeGreaterThan(4000);
    const summary = redactedSummary(description, []);
    expect(summary.length).toBe(4000);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary).not.toContain('a@b.cn');
  });

  it('counts UTF-16 units, as the event schemas do, and never splits a character', () => {
    const emoji = '😀'.repeat(2001);
    expect([...emoji].length).toBe(2001);
    const summary = redactedSummary(emoji, []);
    expect(summary.length).toBeLessThanOrEqual(4000);
    expect(summary.endsWith('…')).toBe(true);
    expect([...summary.slice(0, -1)].every((c) => c === '😀')).toBe(true);
    const odd = redactedSummary(`x${emoji}`, []);
    expect(odd.length).toBeLessThanOrEqual(4000);
    expect(/[\uD800-\uDBFF]…$/.test(odd)).toBe(false);
  });
});
