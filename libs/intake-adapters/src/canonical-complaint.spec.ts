import { canonicalProblems } from './channel-adapter';
import { CanonicalComplaint, CLOCK_SKEW_ALLOWANCE_MS, problemsAsOf } from './canonical-complaint';

// Dates are judged against the clock: the spec's clock stands still.
const NOW = new Date('2026-11-23T08:00:00Z');
beforeAll(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterAll(() => jest.useRealTimers());

const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const DAY = 86_400_000;

/** A complaint with every optional field given, each valid. */
const FULL = {
  channel: 'regulator',
  channelReference: 'RF-2026-000311',
  complainant: {
    customerId: 'C-1001', name: '王小明', phone: '13800138000', email: 'wang@example.com', idNumber: '11010519491231002X', channelUserId: 'oUser123',
    postalAddress: '上海市浦东新区世纪大道100号\n环球金融中心25楼\n200120',
  },
  onBehalfOf: { relationship: 'guardian', name: '赵桂兰', phone: '13900001111', authorisationReference: 'GZ-2025-0917' },
  description: '信用卡年费被重复收取。',
  productHint: 'credit card',
  accountReference: '6222 0212 3456 7890',
  occurredAt: at(-3 * DAY),
  amountInDispute: { amountMinor: 30000, currency: 'CNY' },
  attachments: [{ reference: `fs:${'a'.repeat(64)}`, sha256: 'a'.repeat(64), sizeBytes: 10, mediaType: 'image/png', fileName: 'bill.png' }],
  preferredReplyChannel: 'sms',
  language: 'zh-CN',
  vulnerability: { ageBand: '75+', declaredNeeds: ['hearing'] },
  regulatorReferral: { body: 'nfra', caseNumber: '12378-20261122-004511', deadline: at(14 * DAY) },
  consent: { dataProcessing: true, callRecording: true, survey: false },
  channelContext: { branchCode: 'SH001', staffId: 'T023111', recordingReference: 'rec:1', intent: 'complaint', handoffReason: 'asked for a person', referralReceivedAt: at(-DAY) },
};

/** `FULL` with the value at a dotted path replaced, or removed when `value` is undefined. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(FULL) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
}

const problems = (body: unknown) => canonicalProblems(body);
const pathsOf = (body: unknown) => [...new Set(problems(body).map((p) => p.path))].sort();
const messagesAt = (body: unknown, path: string) => problems(body).filter((p) => p.path === path).map((p) => p.message);
/** The problems the clock makes, as intake asks them when it files, in the cn-cbirc regime's zone. */
const problemsNow = (body: unknown) => problemsAsOf(body as CanonicalComplaint, new Date(), 'Asia/Shanghai');

/** Every optional field of the canonical complaint, nested ones included. */
const OPTIONAL = [
  'channelReference', 'onBehalfOf', 'onBehalfOf.phone', 'productHint', 'accountReference', 'occurredAt', 'amountInDispute', 'attachments',
  'attachments.0.fileName', 'language', 'vulnerability', 'vulnerability.ageBand', 'vulnerability.declaredNeeds', 'regulatorReferral',
  'regulatorReferral.deadline', 'consent', 'consent.callRecording', 'consent.survey', 'channelContext', 'channelContext.branchCode',
  'channelContext.staffId', 'channelContext.recordingReference', 'channelContext.intent', 'channelContext.handoffReason',
  'channelContext.referralReceivedAt', 'complainant.customerId', 'complainant.name', 'complainant.phone', 'complainant.email',
  'complainant.idNumber', 'complainant.channelUserId', 'complainant.postalAddress',
];
const reported = (path: string) => path.replace(/\.(\d+)\./g, '[$1].');

describe('the canonical complaint', () => {
  it('takes a complaint with every optional field given', () => {
    expect(problems(FULL)).toEqual([]);
  });

  describe('a customer id, phone and name that identify nobody', () => {
    it.each(['', ' ', '   ', '\t\n', '\u3000', '\u00a0', '\u200b', '\ufeff\u2060'])(
      'refuses the blank customerId %j, which would give unrelated people one customer reference',
      (customerId) => {
        const body = withValue('complainant.customerId', customerId);
        expect(pathsOf(body)).toEqual(['complainant.customerId']);
        expect(messagesAt(body, 'complainant.customerId')).toEqual(['customerId must not be blank (it has no visible character)']);
      },
    );

    it('refuses a blank customerId even when it is the only identifier, once for the field and once for the complainant', () => {
      const body = { ...FULL, complainant: { customerId: '   ' } };
      expect(pathsOf(body)).toEqual(['complainant', 'complainant.customerId']);
    });

    it.each(['\u200b', '\u200b\u200c\u200d', '\u3164'])('refuses the invisible name %j, and a complainant known by nothing else', (name) => {
      expect(pathsOf({ ...FULL, complainant: { name } })).toEqual(['complainant', 'complainant.name']);
    });

    it.each(['-----', '+ - -', '1234', '12-3-4', '+1 2 3 4', '          '])('refuses the phone %j: fewer than five digits', (phone) => {
      const body = withValue('complainant.phone', phone);
      expect(pathsOf(body)).toEqual(['complainant.phone']);
      expect(messagesAt(body, 'complainant.phone')).toEqual([expect.stringMatching(/at least 5 digits/)]);
      expect(pathsOf(withValue('onBehalfOf.phone', phone))).toEqual(['onBehalfOf.phone']);
    });

    it.each(['13800138000', '+8613800138000', '0571-8765-4321', '139 0000 4444', '+44 7700 900123', '12345'])('takes the phone %j', (phone) => {
      expect(problems(withValue('complainant.phone', phone))).toEqual([]);
    });

    it.each(['C-1001', '  C-1001', '零宽\u200b客户'])('takes the customerId %j', (customerId) => {
      expect(problems(withValue('complainant.customerId', customerId))).toEqual([]);
    });
  });

  describe('null, where a field may only be given or left out', () => {
    it.each(OPTIONAL)('refuses %s: null, with its path', (path) => {
      const body = withValue(path, null);
      expect(pathsOf(body)).toContain(reported(path));
      expect(messagesAt(body, reported(path))).toContain(`${path.split('.').pop()} must not be null; leave it out instead`);
    });

    it.each(OPTIONAL.filter((p) => !p.startsWith('complainant.')))('takes the complaint with %s left out', (path) => {
      expect(problems(withValue(path, undefined))).toEqual([]);
    });
  });

  describe('the currency of the amount in dispute', () => {
    it.each(['ZZZ', 'ABC', 'BTC', 'XXX', 'XTS', 'XDR', 'XAU', 'cny', 'CN', 'CNYY', '', 156])('refuses %j', (currency) => {
      const body = withValue('amountInDispute.currency', currency);
      expect(pathsOf(body)).toEqual(['amountInDispute.currency']);
      expect(messagesAt(body, 'amountInDispute.currency')).toEqual(['currency must be an ISO 4217 currency code such as CNY']);
    });

    it.each(['CNY', 'HKD', 'USD', 'EUR', 'GBP', 'JPY', 'KWD', 'THB', 'XOF', 'CHF'])('takes %s', (currency) => {
      expect(problems(withValue('amountInDispute.currency', currency))).toEqual([]);
    });
  });

  describe('when it happened, and when the regulator received it', () => {
    it.each([
      ['occurredAt', '9999-12-31T23:59:59Z'],
      ['occurredAt', at(CLOCK_SKEW_ALLOWANCE_MS + 60_000)],
      ['occurredAt', '2026-11-24'],
      ['channelContext.referralReceivedAt', '2999-01-01'],
      ['channelContext.referralReceivedAt', at(DAY)],
    ])('refuses %s %s as of now: in the future', (path, value) => {
      const body = withValue(path, value);
      expect(problemsNow(body)).toEqual([{ path, message: `${path.split('.').pop()} must not be in the future` }]);
      // The form is valid: only the clock says otherwise, and intake asks it when it files.
      expect(problems(body)).toEqual([]);
    });

    it.each([
      ['occurredAt', at(CLOCK_SKEW_ALLOWANCE_MS - 1000)],
      ['occurredAt', at(0)],
      ['occurredAt', '2026-11-20'],
      ['occurredAt', '1999-12-31T23:59:59+08:00'],
      ['channelContext.referralReceivedAt', at(60_000)],
    ])('takes %s %s: past, or ahead by no more than a sender\'s clock may be', (path, value) => {
      expect(problems(withValue(path, value))).toEqual([]);
      expect(problemsNow(withValue(path, value))).toEqual([]);
    });

    it.each(['2026-W47-1', '20261120T100000Z', '2026-11-20T10', '2026-11-20T10:00:00,5Z'])(
      'refuses %j, an ISO 8601 form that reads as no date at all, before it is stored',
      (value) => {
        expect(messagesAt(withValue('occurredAt', value), 'occurredAt')).toEqual([expect.stringMatching(/must be a calendar date or date-time/)]);
        expect(pathsOf(withValue('regulatorReferral.deadline', value))).toEqual(['regulatorReferral.deadline']);
      },
    );
  });

  describe("the regulator's deadline", () => {
    it.each(['2000-01-01', '2026-11-22T23:59:59+08:00', at(-1000)])('refuses %s as of now: already passed', (deadline) => {
      const body = withValue('regulatorReferral.deadline', deadline);
      expect(problemsNow(body)).toEqual([{ path: 'regulatorReferral.deadline', message: 'deadline has already passed in Asia/Shanghai' }]);
      // A retry of a referral filed before its deadline must still be answered: the form is valid.
      expect(problems(body)).toEqual([]);
    });

    it.each([at(60_000), '2026-12-07T23:59:59+08:00', '2027-01-01'])('takes %s: still ahead', (deadline) => {
      expect(problems(withValue('regulatorReferral.deadline', deadline))).toEqual([]);
      expect(problemsNow(withValue('regulatorReferral.deadline', deadline))).toEqual([]);
    });

    // 08:00 UTC on 23 November is 16:00 in Beijing: the regulator's day is not over.
    it.each(['2026-11-23', '2026-11-23T20:00', '2026-11'])('takes %s, the day it is set for not yet over where it was set', (deadline) => {
      expect(problemsNow(withValue('regulatorReferral.deadline', deadline))).toEqual([]);
    });

    // Without a zone it is read in the regime's (Beijing), not in the last zone to end the day (UTC−12, still on 22 November).
    it.each(['2026-11-21', '2026-11-22', '2026-11-22T19:59', '2026-11-23T15:59', '2026-10'])('refuses %s, over in Beijing', (deadline) => {
      expect(problemsNow(withValue('regulatorReferral.deadline', deadline))).toEqual([{ path: 'regulatorReferral.deadline', message: 'deadline has already passed in Asia/Shanghai' }]);
    });
  });

  describe("a regulator's referral, from any channel but the regulator's", () => {
    const { regulatorReferral, channelContext, ...plain } = FULL;
    const { referralReceivedAt, ...context } = channelContext;

    it.each(['web', 'mobile-app', 'chatbot', 'wechat', 'email', 'branch', 'hotline'])('refuses a referral and its receipt date from the %s channel, naming both', (channel) => {
      const body = { ...FULL, channel };
      expect(pathsOf(body)).toEqual(['channelContext.referralReceivedAt', 'regulatorReferral']);
      expect(messagesAt(body, 'regulatorReferral')).toEqual(['regulatorReferral is accepted only from the regulator channel']);
      expect(messagesAt(body, 'channelContext.referralReceivedAt')).toEqual(['referralReceivedAt is accepted only from the regulator channel']);
      expect(pathsOf({ ...plain, channel, channelContext: { ...context, referralReceivedAt } })).toEqual(['channelContext.referralReceivedAt']);
    });

    it('takes the same complaint without them from any channel, and with them from the regulator', () => {
      expect(problems({ ...plain, channel: 'chatbot', channelContext: context })).toEqual([]);
      expect(problems({ ...plain, channel: 'regulator', regulatorReferral, channelContext })).toEqual([]);
    });
  });

  describe('text that must say something', () => {
    const BLANK = ['', '   ', '\u3000', '\t\n', '\u200b', '\u200b\u200c\u200d\u2060\ufeff', ' \u200b \ufeff ', '\u00ad', '\ufe0f', '\u2800'];

    it.each(BLANK)('refuses the description %j', (description) => {
      const body = withValue('description', description);
      expect(pathsOf(body)).toEqual(['description']);
      expect(messagesAt(body, 'description')).toEqual(['description must not be blank (it has no visible character)']);
    });

    it.each(BLANK)("refuses %j as the representative's name or authorisation", (value) => {
      expect(pathsOf(withValue('onBehalfOf.name', value))).toEqual(['onBehalfOf.name']);
      expect(pathsOf(withValue('onBehalfOf.authorisationReference', value))).toEqual(['onBehalfOf.authorisationReference']);
    });

    it.each(['零宽\u200b空格', '\u202eتم الدفع\u202c', '投诉😡😡', '😀', '全角，标点！？', 'e\u0301\u0301 combining', '？', '1'])(
      'takes the description %j: the customer\'s words, however written',
      (description) => {
        expect(problems(withValue('description', description))).toEqual([]);
      },
    );
  });

  describe("the complainant's postal address", () => {
    const ADDRESS = '上海市浦东新区世纪大道100号\n环球金融中心25楼\n200120';
    const withAddress = (postalAddress: unknown) => withValue('complainant.postalAddress', postalAddress);

    it.each([
      ['a Chinese address on three lines', ADDRESS],
      ['an address on one line', '北京市西城区金融大街35号国际企业大厦C座 100033'],
      ['an address with CRLF line breaks and blank lines', 'Flat 2, 10 Downing Street\r\n\r\nLondon\r\nSW1A 2AA\r\n'],
      [`six lines of ${'x'.repeat(45)}`, Array.from({ length: 6 }, () => 'x'.repeat(45)).join('\n')],
      ['exactly 300 characters', '长'.repeat(300)],
      ['300 characters outside the BMP', '𠀀'.repeat(300)],
    ])('takes %s', (_what, postalAddress) => {
      expect(problems(withAddress(postalAddress))).toEqual([]);
    });

    it.each([
      ['longer than 300 characters', '长'.repeat(301), 'postalAddress must be shorter than or equal to 300 characters'],
      ['of seven lines', 'a\nb\nc\nd\ne\nf\ng', 'postalAddress must have at most 6 lines'],
      ['with a tab', '北京市\t西城区', 'postalAddress must have no control characters other than line breaks between its lines'],
      ['with a bare carriage return', '北京市\r西城区', 'postalAddress must have no control characters other than line breaks between its lines'],
      ['with a C1 control', '北京市\u0085西城区', 'postalAddress must have no control characters other than line breaks between its lines'],
      ['with a line separator', '北京市\u2028西城区', 'postalAddress must have no control characters other than line breaks between its lines'],
      ['of spaces and line breaks only', ' \n \r\n\u3000', 'postalAddress must not be blank (it has no visible character)'],
      ['of zero-width characters', '\u200b\u200c', 'postalAddress must not be blank (it has no visible character)'],
      ['that is not text', 100033, 'postalAddress must be a string'],
    ])('refuses an address %s', (_what, postalAddress, message) => {
      const body = withAddress(postalAddress);
      expect(pathsOf(body)).toEqual(['complainant.postalAddress']);
      expect(messagesAt(body, 'complainant.postalAddress')).toContain(message);
    });

    it('does not identify the complainant on its own: a household shares it', () => {
      expect(pathsOf({ ...FULL, complainant: { postalAddress: ADDRESS }, preferredReplyChannel: 'letter' })).toEqual(['complainant']);
    });
  });

  describe('a preferred reply channel that must reach the complainant', () => {
    // Without the referral, which only the regulator's channel may send.
    const { onBehalfOf, regulatorReferral: _referral, channelContext: _context, ...unrepresented } = FULL;
    /** A complaint from `channel` by a complainant with only these details. */
    const asking = (preferredReplyChannel: string, complainant: Record<string, string>, channel = 'regulator') => ({ ...unrepresented, channel, complainant, preferredReplyChannel });

    it.each([
      ['letter', { name: '王小明', phone: '13800138000' }, 'regulator', 'letter needs complainant.postalAddress'],
      ['sms', { name: '王小明', email: 'wang@example.com' }, 'regulator', 'sms needs complainant.phone (or onBehalfOf.phone)'],
      ['phone', { idNumber: '11010519491231002X', postalAddress: '北京市西城区' }, 'regulator', 'phone needs complainant.phone (or onBehalfOf.phone)'],
      ['email', { name: '王小明', phone: '13800138000' }, 'regulator', 'email needs complainant.email'],
      ['app', { name: '王小明', channelUserId: 'app-u-1' }, 'mobile-app', 'app needs complainant.customerId (the app inbox finds customers by customer number)'],
      ['wechat', { customerId: 'C-1001', channelUserId: 'wx-o6_bmjr' }, 'chatbot', 'wechat needs complainant.channelUserId from the wechat channel (the openid WeChat sent)'],
    ])('refuses %s for a complainant who gives %j, naming preferredReplyChannel and what is missing', (channel, complainant, from, message) => {
      const body = asking(channel, complainant, from);
      expect(problems(body)).toEqual([{ path: 'preferredReplyChannel', message }]);
    });

    it.each([
      ['letter', { name: '王小明', postalAddress: '北京市西城区金融大街35号' }, 'web'],
      ['sms', { phone: '13800138000' }, 'hotline'],
      ['phone', { customerId: 'C-1001', phone: '+44 7700 900123' }, 'branch'],
      ['email', { email: 'wang@example.com' }, 'email'],
      ['app', { customerId: 'C-1001' }, 'web'],
      ['wechat', { channelUserId: 'oUser123' }, 'wechat'],
    ])('takes %s for a complainant who gives %j on the %s channel', (channel, complainant, from) => {
      expect(problems(asking(channel, complainant, from))).toEqual([]);
    });

    it("takes a call or a text to the representative's phone when the complainant gives none", () => {
      expect(problems({ ...FULL, complainant: { name: '陈国华' }, preferredReplyChannel: 'sms' })).toEqual([]);
      expect(pathsOf({ ...FULL, complainant: { name: '陈国华' }, onBehalfOf: { ...onBehalfOf, phone: undefined }, preferredReplyChannel: 'sms' })).toEqual(['preferredReplyChannel']);
    });

    it('reports a contact detail given but not valid once, at its own field', () => {
      expect(pathsOf(asking('sms', { name: '王小明', phone: '     ' }))).toEqual(['complainant.phone']);
    });

    it('leaves a reply channel that is not one, and a complainant that is not an object, to their own rules', () => {
      expect(messagesAt(asking('fax', { name: '王小明' }), 'preferredReplyChannel')).toEqual([expect.stringMatching(/must be one of the following values/)]);
      expect(pathsOf({ ...unrepresented, complainant: 'wang', preferredReplyChannel: 'letter' })).toEqual(['complainant']);
    });
  });
});
