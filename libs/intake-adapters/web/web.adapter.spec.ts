import { randomBytes } from 'node:crypto';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { webAdapter } from './index';

const SECRET = randomBytes(32);
const form = {
  formId: 'WEB-2026112300017',
  submittedAt: '2026-11-23T07:59:58Z',
  customer: { customerNo: 'C000777', name: '刘德明', mobile: '13811112222', email: 'liu.deming@example.cn', idNo: '110101198001011234' },
  product: '借记卡',
  account: '6222 0212 3456 7890',
  content: '11月20日借记卡被扣了两次短信服务费，每次2元。',
  occurredOn: '2026-11-20',
  amount: '4.00',
  currency: 'CNY',
  replyVia: 'sms',
  lang: 'zh-CN',
  consent: { personalData: true, survey: false },
};
const ADDRESS = '广州市天河区珠江新城华夏路10号\n富力中心1803室\n510623';
/** A customer without a phone or e-mail who wants the answer on paper. */
const letterForm = { formId: 'WEB-2026112300031', customer: { name: '张秀英', address: ADDRESS }, content: '我的存折挂失后补办了三次都没办好。', replyVia: 'letter', lang: 'zh-CN' };
const body = (value: unknown) => JSON.stringify(value);
const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `scan-${i}.pdf`, type: 'application/pdf', base64: Buffer.from(`%PDF-1.4 ${i}`).toString('base64') }));

describeAdapterContract(webAdapter(SECRET), {
  valid: [
    {
      name: 'a web form with an amount',
      message: () => signedMessage('web', body(form), SECRET),
      messageId: 'WEB-2026112300017',
      complaint: {
        channel: 'web',
        channelReference: 'WEB-2026112300017',
        complainant: { customerId: 'C000777', name: '刘德明', phone: '13811112222', email: 'liu.deming@example.cn', idNumber: '110101198001011234' },
        description: '11月20日借记卡被扣了两次短信服务费，每次2元。',
        productHint: '借记卡',
        accountReference: '6222 0212 3456 7890',
        occurredAt: '2026-11-20',
        amountInDispute: { amountMinor: 400, currency: 'CNY' },
        preferredReplyChannel: 'sms',
        language: 'zh-CN',
        consent: { dataProcessing: true, survey: false },
      },
    },
    {
      name: 'a minimal English form with a screenshot',
      message: () =>
        signedMessage(
          'web',
          body({ formId: 'WEB-9', customer: { name: 'Ann Lee', email: 'ann.lee@example.org' }, content: 'Online banking locked me out twice.', lang: 'en', files: [{ name: 'lock.png', type: 'image/PNG', base64: Buffer.from('png-bytes').toString('base64') }] }),
          SECRET,
        ),
      messageId: 'WEB-9',
      complaint: {
        channel: 'web',
        channelReference: 'WEB-9',
        complainant: { name: 'Ann Lee', email: 'ann.lee@example.org' },
        description: 'Online banking locked me out twice.',
        preferredReplyChannel: 'email',
        language: 'en',
      },
      uploads: 1,
    },
    {
      name: 'a form asking for the answer by letter, with the postal address',
      message: () => signedMessage('web', body(letterForm), SECRET),
      messageId: 'WEB-2026112300031',
      complaint: {
        channel: 'web',
        channelReference: 'WEB-2026112300031',
        complainant: { name: '张秀英', postalAddress: ADDRESS },
        description: '我的存折挂失后补办了三次都没办好。',
        preferredReplyChannel: 'letter',
        language: 'zh-CN',
      },
    },
    {
      name: 'a form with only a customer number and an address, answered in the app inbox by default',
      message: () => signedMessage('web', body({ ...letterForm, formId: 'WEB-2026112300032', customer: { customerNo: 'C000778', address: ADDRESS }, replyVia: undefined }), SECRET),
      messageId: 'WEB-2026112300032',
      complaint: {
        channel: 'web',
        channelReference: 'WEB-2026112300032',
        complainant: { customerId: 'C000778', postalAddress: ADDRESS },
        description: '我的存折挂失后补办了三次都没办好。',
        preferredReplyChannel: 'app',
        language: 'zh-CN',
      },
    },
  ],
  forged: [
    { name: 'unsigned request', message: () => inboundMessage('web', body(form)), reason: /signature headers/ },
    { name: 'request signed with another key', message: () => signedMessage('web', body(form), randomBytes(32)), reason: /does not match/ },
    {
      name: 'request signed two hours before it arrived',
      message: () => ({ ...signedMessage('web', body(form), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('web', '<form/>', SECRET), reason: /not valid JSON/ },
    // The JSON parser's message quotes the body: the refusal must not pass it on.
    { name: 'a garbled body that starts with personal data', message: () => signedMessage('web', '张三丰 13900001111 …', SECRET), reason: /not valid JSON \(position \d+\)|not valid JSON$/ },
    { name: 'a JSON array', message: () => signedMessage('web', '[1]', SECRET), reason: /JSON object/ },
    { name: 'a form without content', message: () => signedMessage('web', body({ ...form, content: '  ' }), SECRET), reason: /content is required/ },
    { name: 'a form without formId', message: () => signedMessage('web', body({ ...form, formId: undefined }), SECRET), reason: /formId is required/ },
    { name: 'an amount with three decimals', message: () => signedMessage('web', body({ ...form, amount: '4.005' }), SECRET), reason: /decimal places/ },
    { name: 'a file without content', message: () => signedMessage('web', body({ ...form, files: [{ name: 'x', type: 'image/png' }] }), SECRET), reason: /files\[0\]/ },
    { name: 'a form with 21 files', message: () => signedMessage('web', body({ ...form, files: files(21) }), SECRET), reason: /the form has 21 files; at most 20/ },
    { name: 'a file name of 1,000 characters', message: () => signedMessage('web', body({ ...form, files: [...files(1), { ...files(1)[0], name: 'n'.repeat(1000) }] }), SECRET), reason: /files\[1\]\.name must be at most 255/ },
    { name: 'a file name with a line break', message: () => signedMessage('web', body({ ...form, files: [{ ...files(1)[0], name: 'a\nb.pdf' }] }), SECRET), reason: /files\[0\]\.name/ },
    { name: 'a file type that is not a media type', message: () => signedMessage('web', body({ ...form, files: [{ ...files(1)[0], type: 'PDF file' }] }), SECRET), reason: /files\[0\]\.type must be a media type/ },
    { name: 'a form the platform would reject', message: () => signedMessage('web', body({ ...form, replyVia: 'fax' }), SECRET), reason: /does not make a valid complaint: preferredReplyChannel/ },
    { name: 'a form that leaves no way to answer the customer', message: () => signedMessage('web', body({ ...letterForm, customer: { name: '张秀英' }, replyVia: undefined }), SECRET), reason: /the form leaves no way to answer the customer/ },
    { name: 'a letter asked for without an address', message: () => signedMessage('web', body({ ...form, replyVia: 'letter' }), SECRET), reason: /does not make a valid complaint: preferredReplyChannel: letter needs complainant\.postalAddress/ },
    {
      name: 'an address with a tab in it',
      message: () => signedMessage('web', body({ ...letterForm, customer: { name: '张秀英', address: '北京市\t西城区' } }), SECRET),
      reason: /complainant\.postalAddress: postalAddress must have no control characters other than line breaks/,
    },
    {
      name: 'an address longer than 300 characters',
      message: () => signedMessage('web', body({ ...letterForm, customer: { name: '张秀英', address: '长'.repeat(301) } }), SECRET),
      reason: /complainant\.postalAddress: postalAddress must be shorter than or equal to 300 characters/,
    },
  ],
  personalData: [
    '张三丰', '13900001111', '刘德明', '13811112222', 'liu.deming@example.cn', '110101198001011234', '6222 0212 3456 7890', 'Ann Lee', 'ann.lee@example.org',
    '张秀英', 'C000778', ADDRESS, ...ADDRESS.split('\n'), '北京市\t西城区',
  ],
});

describe('web adapter without a configured secret', () => {
  it('refuses everything, however it is signed', () => {
    const verdict = webAdapter(undefined).verify(signedMessage('web', body(form), SECRET));
    expect(verdict).toEqual({ ok: false, reason: 'channel "web" has no signing secret configured' });
  });
});

describe('web adapter: where the customer is answered without replyVia', () => {
  const adapter = webAdapter(SECRET);
  const replyChannelOf = async (customer: Record<string, string>) => {
    const outcome = await adapter.map(signedMessage('web', body({ formId: 'WEB-default', customer, content: '转账失败。' }), SECRET));
    return outcome.kind === 'complaint' ? outcome.complaint.preferredReplyChannel : outcome.kind;
  };

  it.each([
    ['an e-mail address first', { email: 'a@example.cn', mobile: '13800138000', customerNo: 'C1', address: ADDRESS }, 'email'],
    ['then a mobile number', { mobile: '13800138000', customerNo: 'C1', address: ADDRESS }, 'sms'],
    ['then the app inbox of a customer number', { customerNo: 'C1', address: ADDRESS }, 'app'],
    ['then a letter', { name: '张秀英', address: ADDRESS }, 'letter'],
    ['and refuses a form with none of them', { name: '张秀英', idNo: '110101198001011234' }, 'refused'],
  ])('takes %s', async (_what, customer, channel) => {
    expect(await replyChannelOf(customer)).toBe(channel);
  });
});
