import { randomBytes } from 'node:crypto';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { regulatorAdapter } from './index';

const SECRET = randomBytes(32);

// The samples arrive on 23 November 2026, as the contract kit signs them, with deadlines after that day.
// The clock is that day's, so the samples never look expired to anything that reads it.
const ARRIVED = new Date('2026-11-23T08:00:00Z');
beforeAll(() => jest.useFakeTimers({ now: ARRIVED, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterAll(() => jest.useRealTimers());
const config = { secretFor: (channel: string) => (channel === 'regulator' ? SECRET : undefined) };

/** Forwarded by the NFRA's 12378 hotline, with a deadline in Beijing time. */
const nfraReferral = {
  referralId: 'RF-2026-000311',
  body: 'NFRA',
  caseNo: '12378-20261122-004511',
  deadline: '2026-12-07T23:59:59+08:00',
  receivedOn: '2026-11-22T10:15:00+08:00',
  complainant: { name: '李建国', phone: '13588886666', idNo: '330102196505053312' },
  content: '投诉人称其在该行购买的理财产品亏损本金2万元，购买时客户经理承诺保本保收益，未进行风险评估。',
  demand: '要求银行赔偿本金损失并道歉。',
  product: '理财产品',
  amount: '20000.00',
  currency: 'CNY',
};

/** Forwarded by the PBoC's 12363 hotline under its old code, without a deadline. */
const pbocReferral = {
  referralId: 'RF-2026-000318',
  body: 'pbc',
  caseNo: '12363/2026/1123/0042',
  complainant: { name: '周敏', phone: '0571-8765-4321' },
  content: '投诉人反映该行拒收现金缴纳水电费，要求只能用手机支付。',
};

/** Forwarded by the UK Financial Ombudsman Service, in English, with only an e-mail address. */
const fosReferral = {
  referralId: 'RF-2026-000322',
  body: 'FOS',
  caseNo: 'PNX-4471902',
  deadline: '2026-12-21T17:00:00Z',
  complainant: { name: 'David Hughes', email: 'd.hughes@example.co.uk' },
  content: 'Mr Hughes says the bank closed his account without notice and has not returned the balance of GBP 1,240.55.',
  demand: 'Return of the balance with interest, and compensation for the inconvenience.',
  product: 'current account',
  amount: '1,240.55',
  currency: 'GBP',
};

/** Where the regulator recorded that a complainant with neither phone nor e-mail gets their letters. */
const LETTER_ADDRESS = '北京市西城区金融大街35号\n国际企业大厦C座\n100033';

const body = (value: unknown) => JSON.stringify(value);
const signed = (value: unknown) => signedMessage('regulator', body(value), SECRET);

describeAdapterContract(regulatorAdapter(config), {
  valid: [
    {
      name: 'an NFRA 12378 referral with a deadline in Beijing time',
      message: () => signed(nfraReferral),
      messageId: 'nfra:12378-20261122-004511',
      complaint: {
        channel: 'regulator',
        channelReference: 'RF-2026-000311',
        complainant: { name: '李建国', phone: '13588886666', idNumber: '330102196505053312' },
        description: '投诉人称其在该行购买的理财产品亏损本金2万元，购买时客户经理承诺保本保收益，未进行风险评估。\n\n诉求：要求银行赔偿本金损失并道歉。',
        productHint: '理财产品',
        amountInDispute: { amountMinor: 2000000, currency: 'CNY' },
        preferredReplyChannel: 'phone',
        regulatorReferral: { body: 'nfra', caseNumber: '12378-20261122-004511', deadline: '2026-12-07T15:59:59.000Z' },
        channelContext: { referralReceivedAt: '2026-11-22T02:15:00.000Z' },
      },
    },
    {
      name: 'a PBoC 12363 referral without a deadline',
      message: () => signed(pbocReferral),
      messageId: 'pboc:12363/2026/1123/0042',
      complaint: {
        channel: 'regulator',
        channelReference: 'RF-2026-000318',
        complainant: { name: '周敏', phone: '0571-8765-4321' },
        description: '投诉人反映该行拒收现金缴纳水电费，要求只能用手机支付。',
        preferredReplyChannel: 'phone',
        regulatorReferral: { body: 'pboc', caseNumber: '12363/2026/1123/0042' },
      },
    },
    {
      name: 'an English referral from the Financial Ombudsman Service',
      message: () => signed(fosReferral),
      messageId: 'fos:PNX-4471902',
      complaint: {
        channel: 'regulator',
        channelReference: 'RF-2026-000322',
        complainant: { name: 'David Hughes', email: 'd.hughes@example.co.uk' },
        description:
          'Mr Hughes says the bank closed his account without notice and has not returned the balance of GBP 1,240.55.\n\nDemand: Return of the balance with interest, and compensation for the inconvenience.',
        productHint: 'current account',
        amountInDispute: { amountMinor: 124055, currency: 'GBP' },
        preferredReplyChannel: 'email',
        regulatorReferral: { body: 'fos', caseNumber: 'PNX-4471902', deadline: '2026-12-21T17:00:00.000Z' },
      },
    },
    {
      name: 'a referral under the CBIRC code from before the NFRA, with no referral id, only an ID number and a postal address, and a compact offset',
      message: () =>
        signed({ body: 'CBIRC', caseNo: 'YJ2023-0815-77', deadline: '2026-12-01T18:00+0800', complainant: { idNo: '11010519791231002X', address: LETTER_ADDRESS }, content: '信用卡催收人员多次给投诉人的亲友打电话。' }),
      messageId: 'nfra:YJ2023-0815-77',
      complaint: {
        channel: 'regulator',
        channelReference: 'YJ2023-0815-77',
        complainant: { idNumber: '11010519791231002X', postalAddress: LETTER_ADDRESS },
        description: '信用卡催收人员多次给投诉人的亲友打电话。',
        preferredReplyChannel: 'letter',
        regulatorReferral: { body: 'nfra', caseNumber: 'YJ2023-0815-77', deadline: '2026-12-01T10:00:00.000Z' },
      },
    },
    {
      name: "a referral from a body without a code of ours, kept as 'other'",
      message: () => signed({ ...pbocReferral, body: 'CSRC', caseNo: '12386-2026-000019' }),
      messageId: 'CSRC:12386-2026-000019',
      complaint: {
        channel: 'regulator',
        channelReference: 'RF-2026-000318',
        complainant: { name: '周敏', phone: '0571-8765-4321' },
        description: '投诉人反映该行拒收现金缴纳水电费，要求只能用手机支付。',
        preferredReplyChannel: 'phone',
        regulatorReferral: { body: 'other', caseNumber: '12386-2026-000019' },
      },
    },
  ],
  forged: [
    { name: 'unsigned referral', message: () => inboundMessage('regulator', body(nfraReferral)), reason: /signature headers/ },
    { name: 'referral signed with another key', message: () => signedMessage('regulator', body(nfraReferral), randomBytes(32)), reason: /does not match/ },
    {
      name: 'referral signed two hours before it arrived',
      message: () => ({ ...signedMessage('regulator', body(nfraReferral), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('regulator', '<referral/>', SECRET), reason: /not valid JSON/ },
    { name: 'a referral without a case number', message: () => signed({ ...nfraReferral, caseNo: undefined }), reason: /caseNo is required/ },
    { name: 'a referral with a blank case number', message: () => signed({ ...nfraReferral, caseNo: '  ' }), reason: /caseNo is required/ },
    { name: 'a case number in characters the platform cannot keep', message: () => signed({ ...nfraReferral, caseNo: '银保监投诉〔2026〕123号' }), reason: /caseNo must be 1-64/ },
    { name: 'a referral without the body', message: () => signed({ ...nfraReferral, body: '' }), reason: /body is required/ },
    { name: 'a deadline in words', message: () => signed({ ...nfraReferral, deadline: '15个工作日内' }), reason: /deadline must be an ISO 8601 date-time/ },
    { name: 'a deadline without a time zone', message: () => signed({ ...nfraReferral, deadline: '2026-12-07T23:59:59' }), reason: /deadline must be an ISO 8601 date-time with a time zone/ },
    { name: 'a deadline that is a date only', message: () => signed({ ...nfraReferral, deadline: '2026-12-07' }), reason: /deadline must be/ },
    { name: 'a deadline on 30 February', message: () => signed({ ...nfraReferral, deadline: '2027-02-30T23:59:59+08:00' }), reason: /deadline must be/ },
    { name: 'a deadline at hour 24', message: () => signed({ ...nfraReferral, deadline: '2026-12-07T24:00:00Z' }), reason: /deadline must be/ },
    { name: 'a deadline as a number', message: () => signed({ ...nfraReferral, deadline: 1796659199 }), reason: /deadline must be/ },
    { name: 'a referral without the complaint', message: () => signed({ ...nfraReferral, content: '' }), reason: /content is required/ },
    { name: 'a complainant nobody can identify', message: () => signed({ ...nfraReferral, complainant: {} }), reason: /complainant needs at least/ },
    {
      name: 'a referral that gives no way at all to answer the complainant',
      message: () => signed({ ...nfraReferral, complainant: { name: '李建国', idNo: '330102196505053312' } }),
      reason: /the referral gives no way to answer the complainant: it needs the complainant's phone, e-mail address or postal address/,
    },
    {
      name: 'a referral asking for a letter without an address',
      message: () => signed({ ...nfraReferral, replyVia: 'letter' }),
      reason: /does not make a valid complaint: preferredReplyChannel: letter needs complainant\.postalAddress/,
    },
    {
      name: 'a postal address of seven lines',
      message: () => signed({ ...nfraReferral, complainant: { ...nfraReferral.complainant, address: '一\n二\n三\n四\n五\n六\n七' } }),
      reason: /does not make a valid complaint: complainant\.postalAddress: postalAddress must have at most 6 lines/,
    },
    { name: 'an amount that is not one', message: () => signed({ ...nfraReferral, amount: '约2万元' }), reason: /is not an amount/ },
    {
      name: 'a complainant ID number the platform would reject',
      message: () => signed({ ...nfraReferral, complainant: { ...nfraReferral.complainant, idNo: '3301-0219-6505' } }),
      reason: /does not make a valid complaint: complainant\.idNumber/,
    },
    { name: 'an unknown reply channel', message: () => signed({ ...nfraReferral, replyVia: 'visit' }), reason: /replyVia must be one of/ },
  ],
  personalData: [
    '李建国', '13588886666', '330102196505053312', nfraReferral.content, '3301-0219-6505',
    '周敏', '0571-8765-4321', pbocReferral.content,
    'David Hughes', 'd.hughes@example.co.uk', fosReferral.content,
    '11010519791231002X', '信用卡催收人员多次给投诉人的亲友打电话。', LETTER_ADDRESS, ...LETTER_ADDRESS.split('\n'), '一\n二\n三\n四\n五\n六\n七',
  ],
});

describe('regulator adapter', () => {
  const adapter = regulatorAdapter(config);
  const map = async (referral: unknown) => {
    const outcome = await adapter.map(signed(referral));
    if (outcome.kind !== 'complaint') throw new Error(`expected a complaint, got ${JSON.stringify(outcome)}`);
    return outcome;
  };

  it('refuses everything when the regulator channel has no secret configured', () => {
    expect(regulatorAdapter({ secretFor: () => undefined }).verify(signed(nfraReferral))).toEqual({ ok: false, reason: 'channel "regulator" has no signing secret configured' });
  });

  it.each([
    ['NFRA', 'nfra', 'nfra'],
    ['cbirc', 'nfra', 'nfra'],
    ['12378', 'nfra', 'nfra'],
    ['国家金融监督管理总局', 'nfra', 'nfra'],
    ['PBOC', 'pboc', 'pboc'],
    ['12363', 'pboc', 'pboc'],
    [' fos ', 'fos', 'fos'],
    ['CFPB', 'cfpb', 'cfpb'],
    ['FDRC', 'ombudsman', 'FDRC'],
    ['Ombudsman', 'ombudsman', 'OMBUDSMAN'],
    [' safe ', 'other', 'SAFE'],
  ])("maps the body code %s to '%s', filed under %s", async (code, body, regulator) => {
    const outcome = await map({ ...nfraReferral, body: code });
    expect(outcome.complaint.regulatorReferral?.body).toBe(body);
    expect(outcome.messageId).toBe(`${regulator}:12378-20261122-004511`);
  });

  it.each([
    ['two bodies without a code of ours', 'HKMA', 'SHANGHAI-OFFICE'],
    ['two ombudsmen', 'OMBUDSMAN', 'FDRC'],
    ['an ombudsman and a regulator', 'FDRC', 'NFRA'],
  ])('keeps apart the cases of %s that share a case number', async (_what, one, other) => {
    const first = await map({ ...nfraReferral, body: one, caseNo: '2026-0001' });
    const second = await map({ ...nfraReferral, body: other, caseNo: '2026-0001' });
    expect(first.messageId).not.toBe(second.messageId);
  });

  it('refuses a body code too long to be one', async () => {
    expect(await adapter.map(signed({ ...nfraReferral, body: 'X'.repeat(65) }))).toEqual({ kind: 'refused', reason: expect.stringMatching(/body must be a regulator's code of at most 64/), path: 'body' });
  });

  it('files the same case forwarded again under the same message id', async () => {
    const first = await map(nfraReferral);
    const reminder = await map({ ...nfraReferral, referralId: 'RF-2026-000399', body: '12378' });
    expect(reminder.messageId).toBe(first.messageId);
  });

  // Whether a deadline has passed depends on when it is asked, and the liaison system retries a
  // referral later than it first sent it: intake judges the date when it files (problemsAsOf), once
  // it knows the message is not one it has filed already.
  it('maps a referral whose deadline has passed, leaving the date to intake', async () => {
    const outcome = await map({ ...nfraReferral, deadline: '2023-09-01T18:00+0800' });
    expect(outcome.messageId).toBe('nfra:12378-20261122-004511');
    expect(outcome.complaint.regulatorReferral?.deadline).toBe('2023-09-01T10:00:00.000Z');
  });

  it('keeps the deadline to the millisecond, in UTC', async () => {
    expect((await map({ ...nfraReferral, deadline: '2026-12-07T23:59:59.5-05:30' })).complaint.regulatorReferral?.deadline).toBe('2026-12-08T05:29:59.500Z');
    expect((await map({ ...nfraReferral, deadline: '2028-02-29T00:00:00Z' })).complaint.regulatorReferral?.deadline).toBe('2028-02-29T00:00:00.000Z');
  });

  it('keeps when the regulator received the complaint as the channel context, in UTC', async () => {
    expect((await map(nfraReferral)).complaint.channelContext).toEqual({ referralReceivedAt: '2026-11-22T02:15:00.000Z' });
    expect((await map({ ...fosReferral, receivedOn: '2026-11-20T09:30:00.25Z' })).complaint.channelContext).toEqual({ referralReceivedAt: '2026-11-20T09:30:00.250Z' });
    expect((await map({ ...pbocReferral, receivedOn: '2026-11-22T1015+0800' })).complaint.channelContext).toBeUndefined();
  });

  it.each([
    ['in words', '11月22日上午'],
    ['without a time zone', '2026-11-22T10:15:00'],
    ['that is a date only', '2026-11-22'],
    ['on 31 November', '2026-11-31T10:15:00+08:00'],
    ['as a number', 1795313700],
    ['blank', ' '],
    ['null', null],
  ])('leaves out a received date %s and still files the referral', async (_what, receivedOn) => {
    const outcome = await map({ ...nfraReferral, receivedOn });
    expect(outcome.messageId).toBe('nfra:12378-20261122-004511');
    expect(outcome.complaint.regulatorReferral?.deadline).toBe('2026-12-07T15:59:59.000Z');
    expect('channelContext' in outcome.complaint).toBe(false);
  });

  it.each([
    ['a phone', nfraReferral.complainant, 'phone'],
    ['an e-mail address but no phone', { name: '李建国', email: 'li.jianguo@example.cn', address: LETTER_ADDRESS }, 'email'],
    ['only a postal address to write to', { name: '李建国', address: LETTER_ADDRESS }, 'letter'],
  ])('answers a referral without replyVia that gives %s by the first channel that reaches the complainant', async (_what, complainant, channel) => {
    expect((await map({ ...nfraReferral, complainant })).complaint.preferredReplyChannel).toBe(channel);
  });

  it("keeps the regulator's reply channel when the referral gives its means", async () => {
    const outcome = await map({ ...nfraReferral, replyVia: 'letter', complainant: { ...nfraReferral.complainant, address: LETTER_ADDRESS } });
    expect(outcome.complaint).toMatchObject({ preferredReplyChannel: 'letter', complainant: { phone: '13588886666', postalAddress: LETTER_ADDRESS } });
  });

  it("cuts an over-long complaint but keeps the complainant's demand", async () => {
    const { complaint } = await map({ ...nfraReferral, content: '投诉内容'.repeat(2000) });
    expect(complaint.description.length).toBeLessThanOrEqual(4000);
    expect(complaint.description.endsWith('…\n\n诉求：要求银行赔偿本金损失并道歉。')).toBe(true);
  });
});
