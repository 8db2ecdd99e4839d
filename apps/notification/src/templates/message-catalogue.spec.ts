import fs from 'node:fs';
import path from 'node:path';
import {
  catalogueVersions,
  compileMessage,
  InvalidFactError,
  Language,
  LANGUAGES,
  MESSAGE_KINDS,
  MessageFacts,
  MessageKind,
  messageArguments,
  MissingFactError,
  RenderedMessage,
  renderMessage,
} from './message-catalogue';
import { finalResponseFacts, ROUTES, summaryResolutionFacts } from './testing/facts';

const CATALOGUE_DIR = path.join(__dirname, 'catalogue');
const readFile = (kind: string) => JSON.parse(fs.readFileSync(path.join(CATALOGUE_DIR, `${kind}.json`), 'utf8'));

/** Every rendered message must be clean plain text. */
function expectPlainText(m: RenderedMessage) {
  for (const text of [m.subject, m.body]) {
    expect(text).not.toMatch(/undefined|null|NaN|\{|\}/);
    expect(text).not.toMatch(/[ \t]+$/m);
    expect(text).not.toMatch(/\n{3,}/);
    expect(text).toBe(text.trim());
  }
  expect(m.subject).not.toContain('\n');
}

/** Facts of every kind, complete, for rendering each kind in each language. */
const SAMPLE: { [K in MessageKind]: MessageFacts[K] } = {
  acknowledgement: { ticketNumber: 'CN-20261207-000321', responseDueBy: '2026-12-22T15:59:59.999Z', regime: 'cn-cbirc' },
  progress: { ticketNumber: 'CN-20261207-000321', statusLabel: '调查核实中', responseDueBy: '2026-12-22T15:59:59.999Z', regime: 'cn-cbirc' },
  extension: {
    ticketNumber: 'UK-20260601-000045',
    previousDueBy: '2026-07-27T22:59:59.999Z',
    responseDueBy: '2026-08-10T22:59:59.999Z',
    reason: 'We are waiting for the card scheme to send us the transaction records.',
    regime: 'uk-fca',
  },
  'information-request': {
    ticketNumber: 'US-20260915-000007',
    requested: 'A copy of the receipt for the purchase of 3 September 2026.',
    replyBy: '2026-09-30T03:59:59.999Z',
    regime: 'us-cfpb',
  },
  'final-response': finalResponseFacts('cn-cbirc'),
  'summary-resolution': summaryResolutionFacts('uk-fca'),
  survey: { ticketNumber: 'CN-20261207-000321', regime: 'cn-cbirc', surveyUrl: 'https://bank.example/s/AbC123', answerBy: '2027-01-06T15:59:59.999Z', smsReplyHint: true },
  'remedy-paid': {
    ticketNumber: 'CN-20261207-000321',
    regime: 'cn-cbirc',
    remedyType: 'fee-refund',
    amount: { amountMinor: 2_000, currency: 'CNY' },
    paidAt: '2026-12-20T02:15:00Z',
    coreReference: 'CBS-20261220-88123',
  },
};

describe('the catalogue files', () => {
  it('are exactly one JSON file per message kind', () => {
    expect(fs.readdirSync(CATALOGUE_DIR).sort()).toEqual(MESSAGE_KINDS.map((k) => `${k}.json`).sort());
  });

  describe.each(MESSAGE_KINDS)('%s.json', (kind) => {
    const file = readFile(kind);

    it('names its kind, has a positive integer version and a subject and body in zh-CN and en', () => {
      expect(file.kind).toBe(kind);
      expect(Number.isInteger(file.version) && file.version >= 1).toBe(true);
      expect(Object.keys(file.messages).sort()).toEqual(['en', 'zh-CN']);
      for (const language of LANGUAGES) {
        expect(Object.keys(file.messages[language]).sort()).toEqual(['body', 'subject']);
      }
    });

    it('parses as ICU MessageFormat in both languages, and both languages use the same arguments', () => {
      const args = (language: Language) =>
        [...new Set(['subject', 'body'].flatMap((part) => compileMessage(file.messages[language][part], language).arguments))].sort();
      expect(args('zh-CN').length).toBeGreaterThan(0);
      expect(args('zh-CN')).toEqual(args('en'));
      expect(messageArguments(kind, 'zh-CN')).toEqual(args('zh-CN'));
      expect(messageArguments(kind, 'en')).toEqual(args('en'));
    });

    it('refers to the ticket number in both subject lines', () => {
      for (const language of LANGUAGES) expect(file.messages[language].subject).toContain('{ticketNumber}');
    });
  });

  it('catalogueVersions() reports the version in each file', () => {
    expect(catalogueVersions()).toEqual(Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, readFile(kind).version])));
  });

  it('compileMessage rejects broken ICU and selects without `other`', () => {
    expect(() => compileMessage('{outcome, select, upheld {yes}', 'en')).toThrow();
    expect(() => compileMessage('{outcome, select, upheld {yes}}', 'en')).toThrow();
    expect(compileMessage('{a} and {b, select, x {{c}} other {}}', 'en').arguments).toEqual(['a', 'b', 'c']);
  });
});

describe('renderMessage', () => {
  describe.each(MESSAGE_KINDS)('%s', (kind) => {
    it.each(LANGUAGES)('renders in %s with the ticket number, and the templateId carries the version', (language) => {
      const m = renderMessage(kind, language, SAMPLE[kind]);
      expect(m).toMatchObject({ kind, language, templateId: `${kind}@v${catalogueVersions()[kind]}` });
      expect(m.templateId).toMatch(new RegExp(`^${kind}@v\\d+$`));
      expect(m.subject).toContain(SAMPLE[kind].ticketNumber);
      expect(m.body).toContain(SAMPLE[kind].ticketNumber);
      expect(m.body).toContain('\n\n');
      expectPlainText(m);
    });
  });

  describe('acknowledgement', () => {
    it('gives the response deadline and how to track the complaint, in Chinese as a bank writes', () => {
      const m = renderMessage('acknowledgement', 'zh-CN', SAMPLE.acknowledgement);
      expect(m.subject).toBe('投诉受理通知（受理编号：CN-20261207-000321）');
      expect(m.body.startsWith('尊敬的客户：\n\n')).toBe(true);
      expect(m.body).toContain('受理编号为CN-20261207-000321');
      expect(m.body).toContain('于2026年12月22日前将处理结果告知您');
      expect(m.body).toContain('凭受理编号CN-20261207-000321随时查询处理进度');
    });

    it('and in English', () => {
      const m = renderMessage('acknowledgement', 'en', SAMPLE.acknowledgement);
      expect(m.body).toContain('registered it under reference CN-20261207-000321');
      expect(m.body).toContain('send you our response by 22 December 2026');
      expect(m.body).toContain('Track my complaint');
    });

    it('writes the day in Shanghai, not the UTC day (16:30 UTC on 7 December is 00:30 on 8 December in Beijing)', () => {
      const facts = { ...SAMPLE.acknowledgement, responseDueBy: '2026-12-07T16:30:00Z' };
      expect(renderMessage('acknowledgement', 'zh-CN', facts).body).toContain('2026年12月8日');
      expect(renderMessage('acknowledgement', 'zh-CN', facts).body).not.toContain('2026年12月7日');
      expect(renderMessage('acknowledgement', 'en', facts).body).toContain('by 8 December 2026');
    });

    it('writes the day in London and New York for the other regimes', () => {
      // 23:30 UTC on 1 July is 00:30 on 2 July in London (BST)
      const uk = { ...SAMPLE.acknowledgement, regime: 'uk-fca' as const, responseDueBy: '2026-07-01T23:30:00Z' };
      expect(renderMessage('acknowledgement', 'en', uk).body).toContain('by 2 July 2026');
      // 04:59:59 UTC on 8 December is the last second of 7 December in New York (EST)
      const us = { ...SAMPLE.acknowledgement, regime: 'us-cfpb' as const, responseDueBy: '2026-12-08T04:59:59.999Z' };
      expect(renderMessage('acknowledgement', 'en', us).body).toContain('by December 7, 2026');
      expect(renderMessage('acknowledgement', 'zh-CN', us).body).toContain('于2026年12月7日前');
    });
  });

  it('progress gives the status label and the deadline', () => {
    expect(renderMessage('progress', 'zh-CN', SAMPLE.progress).body).toContain('当前处理状态为：调查核实中。');
    expect(renderMessage('progress', 'zh-CN', SAMPLE.progress).body).toContain('2026年12月22日前');
    const en = renderMessage('progress', 'en', { ...SAMPLE.progress, statusLabel: 'Under investigation' });
    expect(en.body).toContain('Its current status is: Under investigation.');
    expect(en.body).toContain('by 22 December 2026');
  });

  describe('extension', () => {
    it('gives the previous and the new deadline and the reason', () => {
      const en = renderMessage('extension', 'en', SAMPLE.extension);
      expect(en.body).toContain('We had told you that we would respond by 27 July 2026. We will now send you our response by 10 August 2026.');
      expect(en.body).toContain('Why we need more time: We are waiting for the card scheme to send us the transaction records.');
      const zh = renderMessage('extension', 'zh-CN', SAMPLE.extension);
      expect(zh.body).toContain('我行原定于2026年7月27日前答复您，现将答复期限延长至2026年8月10日。');
      expect(zh.body).toContain('延期原因：We are waiting for the card scheme');
    });

    it('without a previous deadline gives only the new one', () => {
      const facts = { ...SAMPLE.extension, previousDueBy: null };
      expect(renderMessage('extension', 'en', facts).body).toContain('We will send you our response by 10 August 2026.');
      expect(renderMessage('extension', 'en', facts).body).not.toContain('We had told you');
      expect(renderMessage('extension', 'zh-CN', facts).body).toContain('我行将于2026年8月10日前将处理结果告知您。');
    });

    it('points to the Financial Ombudsman Service under uk-fca only', () => {
      expect(renderMessage('extension', 'en', SAMPLE.extension).body).toContain('www.financial-ombudsman.org.uk');
      expect(renderMessage('extension', 'en', { ...SAMPLE.extension, regime: 'cn-cbirc' }).body).not.toContain('Ombudsman');
    });
  });

  it('information-request says what is needed and by when (New York day)', () => {
    const en = renderMessage('information-request', 'en', SAMPLE['information-request']);
    expect(en.body).toContain('A copy of the receipt for the purchase of 3 September 2026.');
    expect(en.body).toContain('by September 29, 2026');
    const zh = renderMessage('information-request', 'zh-CN', SAMPLE['information-request']);
    expect(zh.body).toContain('请于2026年9月29日前通过原渠道提交');
  });

  describe('final-response', () => {
    it('reads like a bank letter in Chinese: decision, reasons, remedy, 核查 by the date, external routes', () => {
      const m = renderMessage('final-response', 'zh-CN', finalResponseFacts('cn-cbirc'));
      expect(m.subject).toBe('投诉处理结果告知书（受理编号：CN-20261122-000123）');
      expect(m.body).toContain('一、处理结果：经调查核实，您的投诉部分成立。');
      expect(m.body).toContain('二、处理依据及理由：经核查，您的信用卡于2026年11月3日被重复扣收年费');
      expect(m.body).toContain('三、补救措施：我行将向您退还相关费用，金额为¥12,000.00。');
      expect(m.body).toContain('如对处理结果有异议：您可在2026年12月22日前向我行申请核查');
      expect(m.body).toContain('您也可向以下机构反映：\n1. 国家金融监督管理总局 National Financial Regulatory Administration：12378\n2. 银行业纠纷调解中心 Banking dispute mediation centre：www.cbdmc.org.cn');
      // issued at 02:00 UTC on 22 November: 10:00 in Beijing, same day
      expect(m.body.endsWith('2026年11月22日')).toBe(true);
    });

    it('formats the money as Intl gives it in English (CN¥) and the dates in British style', () => {
      const m = renderMessage('final-response', 'en', finalResponseFacts('cn-cbirc'));
      expect(m.body).toContain('we will refund the fees concerned, a total of CN¥12,000.00.');
      expect(m.body).toContain('you may ask us to review this decision by 22 December 2026.');
      expect(m.body).toContain('one of these organisations:\n1. 国家金融监督管理总局');
    });

    it('uses the currency exponent: GBP pence, JPY without decimals', () => {
      expect(renderMessage('final-response', 'en', finalResponseFacts('uk-fca')).body).toContain('a total of £250.50.');
      const yen = finalResponseFacts('uk-fca', { remedy: { type: 'goodwill', amount: { amountMinor: 5000, currency: 'JPY' } } });
      expect(renderMessage('final-response', 'en', yen).body).toContain('we will make you a goodwill payment, a total of JP¥5,000.');
      expect(renderMessage('final-response', 'zh-CN', yen).body).toContain('我行将向您支付补偿款，金额为JP¥5,000。');
    });

    it.each([
      ['upheld', 'zh-CN', '您的投诉成立'],
      ['partially-upheld', 'zh-CN', '您的投诉部分成立'],
      ['not-upheld', 'zh-CN', '您的投诉不成立'],
      ['upheld', 'en', 'we have upheld your complaint'],
      ['partially-upheld', 'en', 'we have partially upheld your complaint'],
      ['not-upheld', 'en', 'we have not upheld your complaint'],
    ] as const)('outcome %s in %s reads "%s"', (outcome, language, words) => {
      const body = renderMessage('final-response', language, finalResponseFacts('cn-cbirc', { outcome })).body;
      expect(body).toContain(words);
      const others = ['upheld', 'partially-upheld', 'not-upheld'].filter((o) => o !== outcome);
      for (const other of others) {
        const otherBody = renderMessage('final-response', language, finalResponseFacts('cn-cbirc', { outcome: other as typeof outcome })).body;
        expect(otherBody).not.toContain(`${words}。`);
        expect(otherBody).not.toContain(`${words}.`);
      }
    });

    it('says explicitly that no remedy is offered when there is none', () => {
      const facts = finalResponseFacts('cn-cbirc', { remedy: null });
      expect(renderMessage('final-response', 'zh-CN', facts).body).toContain('三、补救措施：本次处理不涉及补偿或其他补救措施。');
      expect(renderMessage('final-response', 'en', facts).body).toContain('Putting things right: we are not offering you any compensation or other remedy.');
    });

    it('under uk-fca names the Financial Ombudsman Service with its contact, time limit and website', () => {
      const body = renderMessage('final-response', 'en', finalResponseFacts('uk-fca')).body;
      expect(body).toContain(
        'this organisation:\n1. Financial Ombudsman Service: 0800 023 4567, www.financial-ombudsman.org.uk (time limit: six months from the date of this final response)',
      );
      expect(body).toContain('including its consumer leaflet, at www.financial-ombudsman.org.uk.');
      expect(body).not.toContain('ask us to review this decision by');
    });

    it('under us-cfpb writes New York days (03:59 UTC on 16 October is 15 October there)', () => {
      const body = renderMessage('final-response', 'en', finalResponseFacts('us-cfpb')).body;
      expect(body).toContain('you may ask us to review this decision by October 15, 2026.');
      expect(body).toContain('Consumer Financial Protection Bureau: (855) 411-2372, www.consumerfinance.gov/complaint');
      expect(body).not.toContain('Ombudsman');
    });

    it('renders free text literally, ICU syntax included', () => {
      const body = renderMessage('final-response', 'en', finalResponseFacts('us-cfpb', { explanation: 'Code {x} and <b>tags</b> stay as typed.' })).body;
      expect(body).toContain('Our reasons: Code {x} and <b>tags</b> stay as typed.');
    });
  });

  describe('summary-resolution', () => {
    it('says the complaint is resolved and gives the right to refer it to the Financial Ombudsman Service', () => {
      const en = renderMessage('summary-resolution', 'en', SAMPLE['summary-resolution']).body;
      expect(en).toContain('we consider that your complaint has now been resolved.');
      expect(en).toContain('you may be able to refer it to the Financial Ombudsman Service:\n1. Financial Ombudsman Service: 0800 023 4567');
      expect(en).toContain('on its website, www.financial-ombudsman.org.uk.');
      expect(en).toContain('We have refunded the £35.00 late payment fee');
      const zh = renderMessage('summary-resolution', 'zh-CN', SAMPLE['summary-resolution']).body;
      expect(zh).toContain('我行认为您的投诉现已解决。');
      expect(zh).toContain('您也可将投诉提交金融申诉专员服务机构（Financial Ombudsman Service）：\n1. Financial Ombudsman Service：0800 023 4567');
    });

    it('gives the review date when there is one', () => {
      const facts = summaryResolutionFacts('uk-fca', { rights: { reviewBy: '2026-07-02T22:59:59.999Z', escalateTo: [...ROUTES['uk-fca']] } });
      expect(renderMessage('summary-resolution', 'en', facts).body).toContain('by 2 July 2026 and ask us to look at it again');
    });
  });

  describe('survey', () => {
    it('gives the link, the day to answer by and, where asked, how to answer by SMS with a score from 1 to 5 and a comment', () => {
      const zh = renderMessage('survey', 'zh-CN', SAMPLE.survey).body;
      expect(zh).toContain('诚邀您于2027年1月6日前对本次投诉处理进行评价：https://bank.example/s/AbC123');
      expect(zh).toContain('该链接仅供您本人使用，提交一次后即失效。');
      expect(zh).toContain('回复“评分（1至5分，5分为非常满意）+意见”');
      const en = renderMessage('survey', 'en', SAMPLE.survey).body;
      expect(en).toContain('Please tell us how we did by 6 January 2027: https://bank.example/s/AbC123');
      expect(en).toContain('The link is for you alone and can be used once.');
      expect(en).toContain('a score from 1 (very dissatisfied) to 5 (very satisfied), followed by a comment');
    });

    it('leaves the SMS hint out (and no blank gap) when the channel cannot take replies', () => {
      const m = renderMessage('survey', 'zh-CN', { ...SAMPLE.survey, smsReplyHint: false });
      expect(m.body).not.toContain('回复');
      expectPlainText(m);
    });
  });
});

describe('remedy-paid', () => {
  it('tells the customer the amount credited, from integer minor units, the day in their regime\'s zone and the booking reference', () => {
    const zh = renderMessage('remedy-paid', 'zh-CN', SAMPLE['remedy-paid']);
    expect(zh.subject).toBe('补偿款到账通知（受理编号：CN-20261207-000321）');
    expect(zh.body).toContain('我行已于2026年12月20日向您支付退还的相关费用¥20.00，款项已入账，入账流水号：CBS-20261220-88123。');
    const en = renderMessage('remedy-paid', 'en', SAMPLE['remedy-paid']);
    expect(en.body).toContain('your fee refund of CN¥20.00 was credited to your account on 20 December 2026. Our booking reference is CBS-20261220-88123.');
  });

  it.each<[string, { amountMinor: number; currency: string }, string]>([
    ['uk-fca', { amountMinor: 25_050, currency: 'GBP' }, '£250.50'],
    ['us-cfpb', { amountMinor: 1_234_567, currency: 'USD' }, '$12,345.67'],
    ['cn-cbirc', { amountMinor: 5_000, currency: 'JPY' }, 'JP¥5,000'],
    ['cn-cbirc', { amountMinor: 1, currency: 'CNY' }, 'CN¥0.01'],
  ])('under %s writes %j as %s', (regime, amount, shown) => {
    const body = renderMessage('remedy-paid', 'en', { ...SAMPLE['remedy-paid'], regime: regime as 'uk-fca', amount }).body;
    expect(body).toContain(` of ${shown} was credited`);
  });

  it.each([
    ['goodwill', 'your compensation of', '向您支付补偿款'],
    ['delay-interest', 'your interest for the delay of', '向您支付延误期间的利息'],
    ['loss-reimbursement', 'your reimbursement of your loss of', '向您支付损失赔偿款'],
  ] as const)('names a %s remedy for what it is', (remedyType, en, zh) => {
    expect(renderMessage('remedy-paid', 'en', { ...SAMPLE['remedy-paid'], remedyType }).body).toContain(en);
    expect(renderMessage('remedy-paid', 'zh-CN', { ...SAMPLE['remedy-paid'], remedyType }).body).toContain(zh);
  });
});

describe('missing and invalid facts', () => {
  const without = <K extends MessageKind>(kind: K, key: string): MessageFacts[K] => {
    const copy: Record<string, unknown> = { ...SAMPLE[kind] };
    delete copy[key];
    return copy as unknown as MessageFacts[K];
  };

  it.each([
    ['acknowledgement', 'responseDueBy'],
    ['acknowledgement', 'ticketNumber'],
    ['acknowledgement', 'regime'],
    ['progress', 'statusLabel'],
    ['extension', 'previousDueBy'],
    ['extension', 'reason'],
    ['information-request', 'requested'],
    ['final-response', 'explanation'],
    ['final-response', 'remedy'],
    ['final-response', 'issuedAt'],
    ['final-response', 'rights'],
    ['summary-resolution', 'rights'],
    ['survey', 'surveyUrl'],
    ['survey', 'smsReplyHint'],
    ['survey', 'answerBy'],
    ['remedy-paid', 'amount'],
    ['remedy-paid', 'paidAt'],
    ['remedy-paid', 'coreReference'],
  ] as const)('%s without %s throws MissingFactError naming both', (kind, key) => {
    for (const language of LANGUAGES) {
      const render = () => renderMessage(kind, language, without(kind, key));
      expect(render).toThrow(MissingFactError);
      expect(render).toThrow(`cannot render ${kind}: missing fact "${key}"`);
    }
  });

  it('treats blank text as missing, and names nested facts by their path', () => {
    expect(() => renderMessage('acknowledgement', 'en', { ...SAMPLE.acknowledgement, ticketNumber: '  ' })).toThrow('missing fact "ticketNumber"');
    const routeWithoutContact = finalResponseFacts('cn-cbirc', { rights: { reviewBy: null, escalateTo: [{ body: '12378', contact: '', within: null }] } });
    expect(() => renderMessage('final-response', 'zh-CN', routeWithoutContact)).toThrow('missing fact "rights.escalateTo[0].contact"');
    const remedyWithoutCurrency = finalResponseFacts('cn-cbirc', { remedy: { type: 'fee-refund', amount: { amountMinor: 100 } as never } });
    expect(() => renderMessage('final-response', 'zh-CN', remedyWithoutCurrency)).toThrow('missing fact "remedy.amount.currency"');
    expect(() => renderMessage('survey', 'en', null as never)).toThrow(MissingFactError);
  });

  it('refuses facts it cannot render truthfully', () => {
    const bad = [
      () => renderMessage('acknowledgement', 'en', { ...SAMPLE.acknowledgement, responseDueBy: 'next Tuesday' }),
      () => renderMessage('acknowledgement', 'en', { ...SAMPLE.acknowledgement, regime: 'eu-eba' as never }),
      () => renderMessage('final-response', 'en', finalResponseFacts('cn-cbirc', { outcome: 'maybe' as never })),
      () => renderMessage('final-response', 'en', finalResponseFacts('cn-cbirc', { remedy: { type: 'goodwill', amount: { amountMinor: 100, currency: 'XXX' } } })),
      () => renderMessage('final-response', 'en', finalResponseFacts('cn-cbirc', { remedy: { type: 'goodwill', amount: { amountMinor: 12.5, currency: 'CNY' } } })),
      () => renderMessage('survey', 'en', { ...SAMPLE.survey, smsReplyHint: 'yes' as never }),
      () => renderMessage('remedy-paid', 'en', { ...SAMPLE['remedy-paid'], amount: { amountMinor: 20.5, currency: 'CNY' } }),
      () => renderMessage('remedy-paid', 'en', { ...SAMPLE['remedy-paid'], remedyType: 'cashback' as never }),
    ];
    for (const render of bad) expect(render).toThrow(InvalidFactError);
    expect(bad[3]).toThrow('unknown currency "XXX"');
  });

  it('refuses unknown kinds and languages', () => {
    expect(() => renderMessage('reminder' as never, 'en', SAMPLE.survey as never)).toThrow(RangeError);
    expect(() => renderMessage('survey', 'fr' as never, SAMPLE.survey)).toThrow(RangeError);
  });
});
