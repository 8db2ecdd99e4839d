import { randomBytes } from 'node:crypto';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { mobileAppAdapter } from './index';

const SECRET = randomBytes(32);
const ADDRESS = '成都市锦江区红星路三段1号\n国际金融中心2号楼\n610021';

/** The app's complaint form, from the logged-in customer's session: the customer number is always there. */
const appForm = {
  formId: 'APP-2026112300418',
  submittedAt: '2026-11-23T07:58:41Z',
  customer: { customerNo: 'C000912345', name: '黄晓明', mobile: '13688889999' },
  product: '手机银行',
  content: '手机银行转账提示成功，但收款方说没有收到，已经过了两天。',
  amount: '1,200.00',
  currency: 'CNY',
  lang: 'zh-CN',
  device: { appVersion: '9.4.1', platform: 'ios' },
};
const body = (value: unknown) => JSON.stringify(value);
const signed = (value: unknown) => signedMessage('mobile-app', body(value), SECRET);

describeAdapterContract(mobileAppAdapter(SECRET), {
  valid: [
    {
      name: 'a logged-in customer without a reply preference, answered in the app inbox',
      message: () => signed(appForm),
      messageId: 'APP-2026112300418',
      complaint: {
        channel: 'mobile-app',
        channelReference: 'APP-2026112300418',
        complainant: { customerId: 'C000912345', name: '黄晓明', phone: '13688889999' },
        description: '手机银行转账提示成功，但收款方说没有收到，已经过了两天。',
        productHint: '手机银行',
        amountInDispute: { amountMinor: 120000, currency: 'CNY' },
        preferredReplyChannel: 'app',
        language: 'zh-CN',
      },
    },
    {
      name: 'a customer who wants the answer by letter, with the postal address',
      message: () => signed({ ...appForm, formId: 'APP-2026112300419', customer: { ...appForm.customer, address: ADDRESS }, replyVia: 'letter' }),
      messageId: 'APP-2026112300419',
      complaint: {
        channel: 'mobile-app',
        channelReference: 'APP-2026112300419',
        complainant: { customerId: 'C000912345', name: '黄晓明', phone: '13688889999', postalAddress: ADDRESS },
        description: '手机银行转账提示成功，但收款方说没有收到，已经过了两天。',
        productHint: '手机银行',
        amountInDispute: { amountMinor: 120000, currency: 'CNY' },
        preferredReplyChannel: 'letter',
        language: 'zh-CN',
      },
    },
    {
      name: 'a form without the customer number, answered by SMS',
      message: () => signed({ ...appForm, formId: 'APP-2026112300420', customer: { name: '黄晓明', mobile: '13688889999' } }),
      messageId: 'APP-2026112300420',
      complaint: {
        channel: 'mobile-app',
        channelReference: 'APP-2026112300420',
        complainant: { name: '黄晓明', phone: '13688889999' },
        description: '手机银行转账提示成功，但收款方说没有收到，已经过了两天。',
        productHint: '手机银行',
        amountInDispute: { amountMinor: 120000, currency: 'CNY' },
        preferredReplyChannel: 'sms',
        language: 'zh-CN',
      },
    },
  ],
  forged: [
    { name: 'unsigned form', message: () => inboundMessage('mobile-app', body(appForm)), reason: /signature headers/ },
    { name: 'form signed with another key', message: () => signedMessage('mobile-app', body(appForm), randomBytes(32)), reason: /does not match/ },
    {
      name: 'form signed two hours before it arrived',
      message: () => ({ ...signedMessage('mobile-app', body(appForm), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('mobile-app', 'form=1', SECRET), reason: /not valid JSON/ },
    { name: 'a form that leaves no way to answer the customer', message: () => signed({ ...appForm, customer: { name: '黄晓明' } }), reason: /the form leaves no way to answer the customer/ },
    { name: 'a letter without an address', message: () => signed({ ...appForm, replyVia: 'letter' }), reason: /preferredReplyChannel: letter needs complainant\.postalAddress/ },
    { name: 'a WeChat reply from the app', message: () => signed({ ...appForm, replyVia: 'wechat' }), reason: /preferredReplyChannel: wechat needs complainant\.channelUserId from the wechat channel/ },
    { name: 'an address of seven lines', message: () => signed({ ...appForm, customer: { ...appForm.customer, address: 'a\nb\nc\nd\ne\nf\ng' } }), reason: /postalAddress must have at most 6 lines/ },
  ],
  personalData: ['C000912345', '黄晓明', '13688889999', ADDRESS, ...ADDRESS.split('\n'), appForm.content],
});
