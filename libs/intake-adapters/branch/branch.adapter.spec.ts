import { randomBytes } from 'node:crypto';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { branchAdapter } from './index';

const SECRET = randomBytes(32);
const config = { secretFor: (channel: string) => (channel === 'branch' ? SECRET : undefined) };

/** An elderly, hard-of-hearing customer at the counter in person. */
const inPerson = {
  ticketNo: 'BR0231-20261123-0042',
  branchCode: '0231',
  tellerId: 'T023108',
  acceptedAt: '2026-11-23T15:52:10+08:00',
  customer: {
    custNo: 'C002319876',
    name: '王秀英',
    idType: 'ID_CARD',
    idNo: '440106194803150026',
    mobile: '13902221234',
    ageBand: '75_PLUS',
    specialNeeds: ['HEARING', 'MOBILITY', 'hearing'],
  },
  presentedBy: 'SELF',
  product: '定期存款',
  acctNo: '6217 0031 2000 4455 667',
  amount: '1,250.00',
  currency: 'CNY',
  occurredOn: '2026-11-18',
  narrative: '11月18日定期存款到期，柜员未经同意将本金转购理财产品，提前赎回损失利息1250元。',
  replyPref: 'PHONE',
  lang: 'zh-CN',
  consent: { formSigned: true, formNo: 'CF-0231-88812', survey: false },
};

/** A son who inherited his late mother's account, with the notarised certificate of inheritance. */
const heir = {
  ticketNo: 'BR0518-20261123-0007',
  branchCode: '0518',
  tellerId: 'T051822',
  customer: { custNo: 'C000451230', name: '陈国华', idType: 'ID_CARD', idNo: '310104195205124821' },
  presentedBy: 'HEIR',
  representative: { name: '陈立新', mobile: '13601886543', idType: 'ID_CARD', idNo: '310104197903024817', authDocType: 'INHERITANCE_CERT', authDocNo: '(2026)沪徐证字第3381号' },
  product: '借记卡',
  acctNo: '6222021001123456789',
  narrative: '母亲去世后办理存款继承，已提交公证书三周，至今未办结，每次来都要求补充不同材料。',
  replyPref: 'SMS',
  consent: { formSigned: true, formNo: 'CF-0518-10277' },
};

/** A foreign customer, in English, with a disputed card payment in US dollars and no reply preference. */
const english = {
  ticketNo: 'BR0102-20261123-0113',
  branchCode: '0102',
  tellerId: 'T010245',
  customer: { name: 'Michael Turner', idType: 'PASSPORT', idNo: 'E12345678', email: 'm.turner@example.com', ageBand: '35_59' },
  product: 'credit card',
  acctNo: '4367-4210-0000-8812',
  amount: '89.90',
  currency: 'USD',
  narrative: 'A hotel charged my card twice on 2 November; the dispute I raised by phone was closed without an answer.',
  replyPref: 'email',
  lang: 'en',
};

/** The address the teller copied from the guardian's papers, as the branch system sends it. */
const GUARDIAN_ADDRESS = '上海市徐汇区漕溪北路88号\n3号楼1202室\n200030';

const body = (value: unknown) => JSON.stringify(value);
const signed = (value: unknown) => signedMessage('branch', body(value), SECRET);

describeAdapterContract(branchAdapter(config), {
  valid: [
    {
      name: 'an elderly customer in person, with an amount and a signed consent form',
      message: () => signed(inPerson),
      messageId: 'BR0231-20261123-0042',
      complaint: {
        channel: 'branch',
        channelReference: 'BR0231-20261123-0042',
        complainant: { customerId: 'C002319876', name: '王秀英', phone: '13902221234', idNumber: '440106194803150026' },
        description: '11月18日定期存款到期，柜员未经同意将本金转购理财产品，提前赎回损失利息1250元。',
        productHint: '定期存款',
        accountReference: '6217 0031 2000 4455 667',
        occurredAt: '2026-11-18',
        amountInDispute: { amountMinor: 125000, currency: 'CNY' },
        preferredReplyChannel: 'phone',
        language: 'zh-CN',
        vulnerability: { ageBand: '75+', declaredNeeds: ['hearing', 'mobility'] },
        consent: { dataProcessing: true, survey: false },
        channelContext: { branchCode: '0231', staffId: 'T023108' },
      },
    },
    {
      name: 'an heir acting for a late customer under a certificate of inheritance',
      message: () => signed(heir),
      messageId: 'BR0518-20261123-0007',
      complaint: {
        channel: 'branch',
        channelReference: 'BR0518-20261123-0007',
        complainant: { customerId: 'C000451230', name: '陈国华', idNumber: '310104195205124821' },
        onBehalfOf: { relationship: 'heir', name: '陈立新', phone: '13601886543', authorisationReference: 'INHERITANCE_CERT (2026)沪徐证字第3381号' },
        description: '母亲去世后办理存款继承，已提交公证书三周，至今未办结，每次来都要求补充不同材料。',
        productHint: '借记卡',
        accountReference: '6222021001123456789',
        preferredReplyChannel: 'sms',
        consent: { dataProcessing: true },
        channelContext: { branchCode: '0518', staffId: 'T051822' },
      },
    },
    {
      name: 'an English-speaking customer disputing a card payment in USD',
      message: () => signed(english),
      messageId: 'BR0102-20261123-0113',
      complaint: {
        channel: 'branch',
        channelReference: 'BR0102-20261123-0113',
        complainant: { name: 'Michael Turner', email: 'm.turner@example.com', idNumber: 'E12345678' },
        description: 'A hotel charged my card twice on 2 November; the dispute I raised by phone was closed without an answer.',
        productHint: 'credit card',
        accountReference: '4367-4210-0000-8812',
        amountInDispute: { amountMinor: 8990, currency: 'USD' },
        preferredReplyChannel: 'email',
        language: 'en',
        vulnerability: { ageBand: '35-59' },
        channelContext: { branchCode: '0102', staffId: 'T010245' },
      },
    },
    {
      name: 'a guardian for a customer with a cognitive impairment, consent form not signed, an address and no reply preference',
      message: () =>
        signed({
          ticketNo: 'BR0231-20261123-0051',
          branchCode: '0231',
          tellerId: 'T023111',
          customer: { custNo: 20031188, name: '赵明', address: ` ${GUARDIAN_ADDRESS}\n`, ageBand: '18_34', specialNeeds: ['COGNITIVE'] },
          presentedBy: 'guardian',
          representative: { name: '赵桂兰', authDocNo: 'GZ-2025-0917' },
          narrative: '监护人反映：客户被诱导开通了信用卡分期，监护人不知情。',
          consent: { formSigned: false },
        }),
      messageId: 'BR0231-20261123-0051',
      complaint: {
        channel: 'branch',
        channelReference: 'BR0231-20261123-0051',
        complainant: { customerId: '20031188', name: '赵明', postalAddress: GUARDIAN_ADDRESS },
        onBehalfOf: { relationship: 'guardian', name: '赵桂兰', authorisationReference: 'GZ-2025-0917' },
        description: '监护人反映：客户被诱导开通了信用卡分期，监护人不知情。',
        preferredReplyChannel: 'letter',
        vulnerability: { ageBand: '18-34', declaredNeeds: ['cognitive'] },
        consent: { dataProcessing: false },
        channelContext: { branchCode: '0231', staffId: 'T023111' },
      },
    },
  ],
  forged: [
    { name: 'unsigned counter form', message: () => inboundMessage('branch', body(inPerson)), reason: /signature headers/ },
    { name: 'counter form signed with another key', message: () => signedMessage('branch', body(inPerson), randomBytes(32)), reason: /does not match/ },
    {
      name: 'counter form signed two hours before it arrived',
      message: () => ({ ...signedMessage('branch', body(inPerson), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('branch', 'ticketNo=1', SECRET), reason: /not valid JSON/ },
    { name: 'a form without a ticket number', message: () => signed({ ...inPerson, ticketNo: undefined }), reason: /ticketNo is required/ },
    { name: 'a form without the teller id', message: () => signed({ ...inPerson, tellerId: '' }), reason: /tellerId is required/ },
    { name: 'a form without the branch code', message: () => signed({ ...inPerson, branchCode: undefined }), reason: /branchCode is required/ },
    { name: 'a form without a narrative', message: () => signed({ ...inPerson, narrative: ' ' }), reason: /narrative is required/ },
    { name: 'a customer nobody can identify', message: () => signed({ ...inPerson, customer: { ageBand: '75_PLUS' } }), reason: /customer needs at least/ },
    {
      name: 'an heir without the reference of the authorisation document',
      message: () => signed({ ...heir, representative: { ...heir.representative, authDocNo: '' } }),
      reason: /representative\.authDocNo is required/,
    },
    { name: 'an agent without any representative details', message: () => signed({ ...heir, presentedBy: 'AGENT', representative: undefined }), reason: /representative is required/ },
    { name: 'a representative without a name', message: () => signed({ ...heir, representative: { ...heir.representative, name: undefined } }), reason: /representative\.name is required/ },
    { name: 'a representative for a customer who came in person', message: () => signed({ ...heir, presentedBy: 'SELF' }), reason: /came in person/ },
    { name: 'an unknown kind of representative', message: () => signed({ ...heir, presentedBy: 'NEIGHBOUR' }), reason: /presentedBy must be SELF or one of/ },
    { name: 'an unknown age band', message: () => signed({ ...inPerson, customer: { ...inPerson.customer, ageBand: '80+' } }), reason: /customer\.ageBand must be one of/ },
    { name: 'an unknown special need', message: () => signed({ ...inPerson, customer: { ...inPerson.customer, specialNeeds: ['HEARING', 'DEAF'] } }), reason: /customer\.specialNeeds\[1\]/ },
    { name: 'an amount with three decimals', message: () => signed({ ...inPerson, amount: '12.505' }), reason: /decimal places/ },
    { name: 'an unknown reply preference', message: () => signed({ ...inPerson, replyPref: 'FAX' }), reason: /replyPref must be one of/ },
    { name: 'a letter asked for without an address', message: () => signed({ ...inPerson, replyPref: 'LETTER' }), reason: /preferredReplyChannel: letter needs complainant\.postalAddress/ },
    {
      name: 'a form with no mobile, address, e-mail or reply preference',
      message: () => signed({ ...inPerson, replyPref: undefined, customer: { ...inPerson.customer, mobile: undefined } }),
      reason: /leaves no way to answer the customer/,
    },
    {
      name: 'a mobile number the platform would reject',
      message: () => signed({ ...inPerson, customer: { ...inPerson.customer, mobile: '139-0222-1234 ext 8' } }),
      reason: /counter form does not make a valid complaint: complainant\.phone: phone must be digits/,
    },
  ],
  personalData: [
    'C002319876', '王秀英', '440106194803150026', '13902221234', '6217 0031 2000 4455 667', inPerson.narrative, 'T023108',
    'C000451230', '陈国华', '310104195205124821', '陈立新', '13601886543', '310104197903024817', '(2026)沪徐证字第3381号', '6222021001123456789', heir.narrative, 'T051822',
    'Michael Turner', 'E12345678', 'm.turner@example.com', '4367-4210-0000-8812', english.narrative, 'T010245',
    '20031188', '赵明', '赵桂兰', 'GZ-2025-0917', 'T023111', '139-0222-1234 ext 8', GUARDIAN_ADDRESS, ...GUARDIAN_ADDRESS.split('\n'),
  ],
});

describe('branch adapter', () => {
  it('refuses everything when the branch channel has no secret configured, however it is signed', () => {
    const verdict = branchAdapter({ secretFor: () => undefined }).verify(signed(inPerson));
    expect(verdict).toEqual({ ok: false, reason: 'channel "branch" has no signing secret configured' });
  });

  it("uses the branch channel's secret, not another channel's", () => {
    const adapter = branchAdapter({ secretFor: (channel) => (channel === 'web' ? SECRET : undefined) });
    expect(adapter.verify(signed(inPerson))).toMatchObject({ ok: false });
  });

  it('keeps the branch that accepted the complaint and the teller who took it as the channel context', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...heir, branchCode: ' 0518 ', tellerId: 'T051822' }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { channelContext: { branchCode: '0518', staffId: 'T051822' } } });
    if (outcome.kind === 'complaint') expect(Object.keys(outcome.complaint.channelContext ?? {}).sort()).toEqual(['branchCode', 'staffId']);
  });

  it('keeps a branch code and teller id sent as JSON numbers as text', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, branchCode: 231, tellerId: 23108 }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { channelContext: { branchCode: '231', staffId: '23108' } } });
  });

  it('refuses a teller id the channel context could not hold, without quoting it', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, tellerId: 'T 023108' }));
    expect(outcome).toMatchObject({ kind: 'refused', path: 'tellerId' });
    if (outcome.kind === 'refused') expect(outcome.reason).not.toContain('T 023108');
  });

  it('writes when the customer left no phone number and no reply preference, but an address', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, replyPref: undefined, customer: { ...inPerson.customer, mobile: undefined, address: GUARDIAN_ADDRESS } }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { preferredReplyChannel: 'letter', complainant: { postalAddress: GUARDIAN_ADDRESS } } });
  });

  it('phones the customer without a reply preference when there is a number, even with an address', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, replyPref: undefined, customer: { ...inPerson.customer, address: GUARDIAN_ADDRESS } }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { preferredReplyChannel: 'phone' } });
  });

  it('e-mails a customer who left an e-mail address but no number, no address and no reply preference', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...english, replyPref: undefined }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { preferredReplyChannel: 'email' } });
  });

  it('answers an heir by text on their own mobile when the late customer left none', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...heir, replyPref: undefined }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { preferredReplyChannel: 'phone', onBehalfOf: { phone: '13601886543' } } });
  });

  it('refuses a form that leaves no way to answer the customer, rather than assume the app', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, replyPref: undefined, customer: { ...inPerson.customer, mobile: undefined } }));
    expect(outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/leaves no way to answer the customer/), path: 'customer' });
    // The customer number reaches the app inbox when the customer chooses it.
    const app = await branchAdapter(config).map(signed({ ...inPerson, replyPref: 'APP', customer: { ...inPerson.customer, mobile: undefined } }));
    expect(app).toMatchObject({ kind: 'complaint', complaint: { preferredReplyChannel: 'app' } });
  });

  it('refuses a letter for a customer who left no address, naming what is missing', async () => {
    const outcome = await branchAdapter(config).map(signed({ ...inPerson, replyPref: 'LETTER' }));
    expect(outcome).toEqual({
      kind: 'refused',
      reason: 'the counter form does not make a valid complaint: preferredReplyChannel: letter needs complainant.postalAddress',
      path: 'preferredReplyChannel',
    });
  });
});
