import { REPLY_CHANNELS } from '@complaints/contracts';
import { canReach, firstReachable, REPLY_CHANNEL_NEEDS, replyChannelGap, replyToOf, ReplyToSource } from './reply-to';

const ADDRESS = '上海市浦东新区世纪大道100号\n环球金融中心25楼\n200120';
/** Every detail a complainant can give. */
const EVERYTHING = {
  customerId: 'C000123',
  name: '王芳',
  phone: '13800138000',
  email: 'wang.fang@example.cn',
  idNumber: '11010519491231002X',
  channelUserId: 'oUser_123',
  postalAddress: ADDRESS,
};

/** The members of the notification service's `Recipient` (apps/notification/src/channels/delivery-channel.ts). */
const RECIPIENT_MEMBERS = ['appUserId', 'email', 'name', 'phone', 'postalAddress', 'wechatOpenId'];

describe('replyToOf', () => {
  it("gives notification's Recipient, every member present, and nothing else (no ID number, no channel user id as such)", () => {
    const replyTo = replyToOf({ channel: 'wechat', complainant: EVERYTHING });
    expect(Object.keys(replyTo).sort()).toEqual(RECIPIENT_MEMBERS);
    expect(replyTo).toEqual({
      name: '王芳',
      phone: '13800138000',
      email: 'wang.fang@example.cn',
      postalAddress: ADDRESS,
      appUserId: 'C000123',
      wechatOpenId: 'oUser_123',
    });
  });

  it('gives null, not undefined, for what the complainant did not give, so the sealed JSON keeps every member', () => {
    const replyTo = replyToOf({ channel: 'hotline', complainant: { name: '孙丽' } });
    expect(JSON.parse(JSON.stringify(replyTo))).toEqual({ name: '孙丽', phone: null, email: null, postalAddress: null, appUserId: null, wechatOpenId: null });
  });

  it('keeps the postal address as given, its lines and all', () => {
    expect(replyToOf({ channel: 'branch', complainant: { name: '赵明', postalAddress: ADDRESS } }).postalAddress).toBe(ADDRESS);
  });

  it.each(['web', 'mobile-app', 'branch', 'hotline', 'chatbot', 'email', 'regulator'])(
    'gives no WeChat openid for a channel user id from the %s channel: only WeChat sends openids',
    (channel) => {
      expect(replyToOf({ channel, complainant: { channelUserId: 'oUser_123' } }).wechatOpenId).toBeNull();
    },
  );

  it.each(['web', 'mobile-app', 'branch', 'hotline', 'chatbot', 'wechat', 'email', 'regulator'])(
    'addresses the app inbox by the customer number on the %s channel, and never by a channel user id',
    (channel) => {
      expect(replyToOf({ channel, complainant: { customerId: 'C000123', channelUserId: 'app-u-88231' } }).appUserId).toBe('C000123');
      expect(replyToOf({ channel, complainant: { channelUserId: 'app-u-88231' } }).appUserId).toBeNull();
    },
  );

  it("takes the phone of whoever files for the complainant when the complainant gives none, and the complainant's own otherwise", () => {
    const heir = { relationship: 'heir', name: '陈立新', phone: '13601886543' };
    const withoutPhone: { name: string; phone?: string } = { name: '陈立新' };
    expect(replyToOf({ channel: 'branch', complainant: { name: '陈国华' }, onBehalfOf: heir }).phone).toBe('13601886543');
    expect(replyToOf({ channel: 'branch', complainant: { name: '陈国华', phone: '13902221234' }, onBehalfOf: heir }).phone).toBe('13902221234');
    expect(replyToOf({ channel: 'branch', complainant: { name: '陈国华' }, onBehalfOf: withoutPhone }).phone).toBeNull();
    expect(replyToOf({ channel: 'branch', complainant: { name: '陈国华' }, onBehalfOf: null }).phone).toBeNull();
  });

  it('passes an empty string on as absent', () => {
    expect(replyToOf({ channel: 'web', complainant: { phone: '', email: '', postalAddress: '' } })).toMatchObject({ phone: null, email: null, postalAddress: null });
  });
});

describe('replyChannelGap', () => {
  const from = (channel: string, complainant: ReplyToSource['complainant'], onBehalfOf?: ReplyToSource['onBehalfOf']): ReplyToSource => ({ channel, complainant, onBehalfOf });

  it.each([
    ['letter', from('web', { name: '张三', phone: '13800138000' }), 'letter needs complainant.postalAddress'],
    ['sms', from('web', { name: '张三', email: 'z@example.cn' }), 'sms needs complainant.phone (or onBehalfOf.phone)'],
    ['phone', from('regulator', { idNumber: '11010519491231002X' }), 'phone needs complainant.phone (or onBehalfOf.phone)'],
    ['email', from('hotline', { phone: '13800138000' }), 'email needs complainant.email'],
    ['app', from('chatbot', { channelUserId: 'web-v-5512ab', email: 'z@example.cn' }), 'app needs complainant.customerId (the app inbox finds customers by customer number)'],
    ['wechat', from('chatbot', { channelUserId: 'wx-o6_bmjrPTlm6' }), 'wechat needs complainant.channelUserId from the wechat channel (the openid WeChat sent)'],
    ['wechat', from('wechat', { name: '陈晓', phone: '13912345678' }), 'wechat needs complainant.channelUserId from the wechat channel (the openid WeChat sent)'],
  ] as const)('says what %s is missing, naming fields and never values', (channel, source, gap) => {
    expect(replyChannelGap(channel, source)).toBe(gap);
    for (const value of Object.values(source.complainant)) expect(gap).not.toContain(value);
  });

  it.each([
    ['letter', from('web', { name: '张三', postalAddress: ADDRESS })],
    ['sms', from('web', { phone: '13800138000' })],
    ['phone', from('branch', { name: '陈国华' }, { phone: '13601886543' })],
    ['email', from('email', { email: 'z@example.cn' })],
    ['app', from('branch', { customerId: 'C000123' })],
    ['wechat', from('wechat', { channelUserId: 'oUser_123' })],
  ] as const)('finds nothing missing for %s when the complaint gives its means', (channel, source) => {
    expect(replyChannelGap(channel, source)).toBeNull();
  });

  it('reaches every reply channel of a WeChat complainant who gave everything', () => {
    const replyTo = replyToOf({ channel: 'wechat', complainant: EVERYTHING });
    expect(REPLY_CHANNELS.filter((c) => !canReach(c, replyTo))).toEqual([]);
  });

  it('knows what every reply channel needs', () => {
    expect(Object.keys(REPLY_CHANNEL_NEEDS).sort()).toEqual([...REPLY_CHANNELS].sort());
  });
});

describe('firstReachable', () => {
  it('takes the first channel in the order given that reaches the complainant', () => {
    const source = { channel: 'web', complainant: { customerId: 'C1', postalAddress: ADDRESS } };
    expect(firstReachable(['email', 'sms', 'app', 'letter'], source)).toBe('app');
    expect(firstReachable(['letter', 'app'], source)).toBe('letter');
  });

  it('gives nothing when no channel in the order reaches the complainant', () => {
    expect(firstReachable(['phone', 'letter', 'email'], { channel: 'branch', complainant: { customerId: 'C1', name: '赵明' } })).toBeUndefined();
  });
});
