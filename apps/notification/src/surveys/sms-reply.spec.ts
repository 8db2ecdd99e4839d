import { MAX_COMMENT_LENGTH, normalisePhone, parseSurveyReply, phoneCandidates } from './sms-reply';

describe('parseSurveyReply', () => {
  it.each<[string, number, string | null]>([
    ['4 很满意', 4, '很满意'],
    ['2', 2, null],
    ['  5  ', 5, null],
    ['5 处理及时', 5, '处理及时'],
    ['３，等太久了', 3, '等太久了'],
    ['５分 谢谢', 5, '谢谢'],
    ['1分，没人联系我', 1, '没人联系我'],
    ['五分 谢谢', 5, '谢谢'],
    ['两分', 2, null],
    ['评分：3', 3, null],
    ['Score: 4 quick and polite', 4, 'quick and polite'],
    ['5, sorted out quickly', 5, 'sorted out quickly'],
    ['4. 好', 4, '好'],
    ['2 — still waiting for the refund', 2, 'still waiting for the refund'],
    ['1\n电话打不通', 1, '电话打不通'],
  ])('%j is score %i with comment %j', (text, score, comment) => {
    expect(parseSurveyReply(text)).toEqual({ score, comment });
  });

  it.each(['', '   ', '谢谢', '一般', '满意', '0', '6', '10', '45', '4.5', '3,5', '5分钟后才有人接电话', 'T', '？'])('%j is not a score', (text) => {
    expect(parseSurveyReply(text)).toBeNull();
  });

  it('keeps at most the longest comment a survey takes', () => {
    const reply = parseSurveyReply(`3 ${'慢'.repeat(MAX_COMMENT_LENGTH + 50)}`)!;
    expect(Array.from(reply.comment!)).toHaveLength(MAX_COMMENT_LENGTH);
  });
});

describe('normalisePhone', () => {
  it.each<[string, Parameters<typeof normalisePhone>[1], string | null]>([
    ['13900001111', 'cn-cbirc', '+8613900001111'],
    ['139 0000 1111', 'cn-cbirc', '+8613900001111'],
    ['+86 139-0000-1111', 'cn-cbirc', '+8613900001111'],
    ['008613900001111', 'cn-cbirc', '+8613900001111'],
    ['8613900001111', 'cn-cbirc', '+8613900001111'],
    ['＋８６１３９００００１１１１', 'cn-cbirc', '+8613900001111'],
    ['07700 900123', 'uk-fca', '+447700900123'],
    ['+44 7700 900123', 'uk-fca', '+447700900123'],
    ['(212) 555-0100', 'us-cfpb', '+12125550100'],
    ['1-212-555-0100', 'us-cfpb', '+12125550100'],
    ['+8613900001111', 'us-cfpb', '+8613900001111'],
    ['12345', 'cn-cbirc', null],
    ['call me', 'cn-cbirc', null],
    ['139000011112', 'cn-cbirc', null],
  ])('%j under %s is %j', (raw, regime, expected) => {
    expect(normalisePhone(raw, regime)).toBe(expected);
  });
});

describe('phoneCandidates', () => {
  it('an international number stands for itself alone', () => {
    expect(phoneCandidates('+86 139 0000 1111')).toEqual(['+8613900001111']);
  });

  it('a national number stands for each plan that can read it', () => {
    expect(phoneCandidates('13900001111').sort()).toEqual(['+13900001111', '+8613900001111']);
    expect(phoneCandidates('07700900123')).toEqual(['+447700900123']);
    expect(phoneCandidates('hello')).toEqual([]);
  });
});
