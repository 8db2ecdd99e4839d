import { randomBytes } from 'node:crypto';
import { MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { MAX_TRANSCRIPT_TURNS } from '../src/payload';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { chatbotAdapter } from './index';

const SECRET = randomBytes(32);
const config = { secretFor: (channel: string) => (channel === 'chatbot' ? SECRET : undefined) };

/** A logged-in app user whose card fee question the bot could not settle. */
const appSession = {
  sessionId: 'cb-20261123-7f3a9c',
  handoffAt: '2026-11-23T07:59:40Z',
  surface: 'app',
  handoffReason: 'unresolved',
  user: { authenticated: true, customerNo: 'C000123456', visitorId: 'app-u-88231' },
  intent: { code: 'card.fee.dispute', product: '信用卡', confidence: 0.41 },
  conversation: [
    { from: 'bot', text: '您好，我是智能客服小招，请问有什么可以帮您？', at: '2026-11-23T07:58:01Z' },
    { from: 'user', text: '我的信用卡被扣了 300 元年费', at: '2026-11-23T07:58:20Z' },
    { from: 'bot', text: '年费政策：刷卡满6次可免次年年费。请问还有其他问题吗？', at: '2026-11-23T07:58:22Z' },
    { from: 'user', text: '我刷了十几次，\n还是被扣了，转人工', at: '2026-11-23T07:59:30Z' },
  ],
  lang: 'zh-CN',
};

/**
 * An anonymous visitor in the WeChat account who left a mobile number. The bot platform's visitor id
 * is no openid the bank's official account can send to: they are answered by SMS.
 */
const wechatSession = {
  sessionId: 'cb-20261123-a01d77',
  surface: 'wechat',
  handoffReason: 'asked_for_human',
  user: { authenticated: false, visitorId: 'wx-o6_bmjrPTlm6_2sgVt7hMZOPfL2M', customerNo: 'C999000111' },
  contact: { mobile: '13512345678' },
  conversation: [
    { from: 'user', text: '你们网点说我的房贷提前还款要收违约金，合同里没写', at: '2026-11-23T07:40:00Z' },
    { from: 'bot', text: '', at: '2026-11-23T07:40:01Z' },
    { from: 'bot', text: '抱歉，我没有理解您的问题。', at: '2026-11-23T07:40:02Z' },
  ],
};

/** An anonymous English-speaking visitor on the website who left an e-mail address for the answer. */
const webSession = {
  sessionId: 'cb-20261123-c4e210',
  surface: 'web',
  user: { authenticated: false, visitorId: 'web-v-5512ab' },
  contact: { name: 'Emma Wilson', email: 'emma.wilson@example.org' },
  intent: { code: 'account.closure', product: 'savings account' },
  conversation: [
    { from: 'bot', text: 'Hi! How can I help you today?', at: '2026-11-23T07:30:00Z' },
    { from: 'user', text: 'I asked to close my savings account three weeks ago and it is still open.', at: '2026-11-23T07:30:15Z' },
    { from: 'bot', text: 'You can close an account in the app under Accounts > Close.', at: '2026-11-23T07:30:16Z' },
    { from: 'user', text: "I don't have the app. I want a complaint registered.", at: '2026-11-23T07:31:02Z' },
  ],
  lang: 'en',
};

const body = (value: unknown) => JSON.stringify(value);
const signed = (value: unknown) => signedMessage('chatbot', body(value), SECRET);

describeAdapterContract(chatbotAdapter(config), {
  valid: [
    {
      name: 'a logged-in app user the bot could not help',
      message: () => signed(appSession),
      messageId: 'cb-20261123-7f3a9c',
      complaint: {
        channel: 'chatbot',
        channelReference: 'cb-20261123-7f3a9c',
        complainant: { customerId: 'C000123456', channelUserId: 'app-u-88231' },
        description: [
          '客户留言：',
          '我的信用卡被扣了 300 元年费',
          '我刷了十几次， 还是被扣了，转人工',
          '',
          '与智能客服的对话：',
          '机器人：您好，我是智能客服小招，请问有什么可以帮您？',
          '客户：我的信用卡被扣了 300 元年费',
          '机器人：年费政策：刷卡满6次可免次年年费。请问还有其他问题吗？',
          '客户：我刷了十几次， 还是被扣了，转人工',
        ].join('\n'),
        productHint: '信用卡',
        preferredReplyChannel: 'app',
        language: 'zh-CN',
        channelContext: { intent: 'card.fee.dispute', handoffReason: 'unresolved' },
      },
    },
    {
      name: 'an anonymous WeChat visitor who left a mobile number, answered by SMS',
      message: () => signed(wechatSession),
      messageId: 'cb-20261123-a01d77',
      complaint: {
        channel: 'chatbot',
        channelReference: 'cb-20261123-a01d77',
        complainant: { phone: '13512345678', channelUserId: 'wx-o6_bmjrPTlm6_2sgVt7hMZOPfL2M' },
        description: [
          '客户留言：',
          '你们网点说我的房贷提前还款要收违约金，合同里没写',
          '',
          '与智能客服的对话：',
          '客户：你们网点说我的房贷提前还款要收违约金，合同里没写',
          '机器人：抱歉，我没有理解您的问题。',
        ].join('\n'),
        preferredReplyChannel: 'sms',
        channelContext: { handoffReason: 'asked_for_human' },
      },
    },
    {
      name: 'an anonymous English web visitor who left an e-mail address',
      message: () => signed(webSession),
      messageId: 'cb-20261123-c4e210',
      complaint: {
        channel: 'chatbot',
        channelReference: 'cb-20261123-c4e210',
        complainant: { name: 'Emma Wilson', email: 'emma.wilson@example.org', channelUserId: 'web-v-5512ab' },
        description: [
          "The customer's messages:",
          'I asked to close my savings account three weeks ago and it is still open.',
          "I don't have the app. I want a complaint registered.",
          '',
          'Conversation with the chatbot:',
          'Bot: Hi! How can I help you today?',
          'Customer: I asked to close my savings account three weeks ago and it is still open.',
          'Bot: You can close an account in the app under Accounts > Close.',
          "Customer: I don't have the app. I want a complaint registered.",
        ].join('\n'),
        productHint: 'savings account',
        preferredReplyChannel: 'email',
        language: 'en',
        channelContext: { intent: 'account.closure' },
      },
    },
    {
      name: 'a logged-in user who asked to be phoned back',
      message: () => signed({ ...appSession, sessionId: 'cb-20261123-7f3a9d', replyVia: 'phone', contact: { mobile: '13712345678' }, intent: undefined }),
      messageId: 'cb-20261123-7f3a9d',
      complaint: {
        channel: 'chatbot',
        channelReference: 'cb-20261123-7f3a9d',
        complainant: { customerId: 'C000123456', phone: '13712345678', channelUserId: 'app-u-88231' },
        description: [
          '客户留言：',
          '我的信用卡被扣了 300 元年费',
          '我刷了十几次， 还是被扣了，转人工',
          '',
          '与智能客服的对话：',
          '机器人：您好，我是智能客服小招，请问有什么可以帮您？',
          '客户：我的信用卡被扣了 300 元年费',
          '机器人：年费政策：刷卡满6次可免次年年费。请问还有其他问题吗？',
          '客户：我刷了十几次， 还是被扣了，转人工',
        ].join('\n'),
        preferredReplyChannel: 'phone',
        language: 'zh-CN',
        channelContext: { handoffReason: 'unresolved' },
      },
    },
  ],
  forged: [
    { name: 'unsigned hand-off', message: () => inboundMessage('chatbot', body(appSession)), reason: /signature headers/ },
    { name: 'hand-off signed with another key', message: () => signedMessage('chatbot', body(appSession), randomBytes(32)), reason: /does not match/ },
    {
      name: 'hand-off signed two hours before it arrived',
      message: () => ({ ...signedMessage('chatbot', body(appSession), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('chatbot', 'session=1', SECRET), reason: /not valid JSON/ },
    { name: 'a hand-off without a session id', message: () => signed({ ...appSession, sessionId: undefined }), reason: /sessionId is required/ },
    { name: 'an empty conversation', message: () => signed({ ...appSession, conversation: [] }), reason: /conversation is empty/ },
    { name: 'a hand-off without a conversation', message: () => signed({ ...appSession, conversation: undefined }), reason: /conversation is empty/ },
    { name: 'a conversation with only the bot talking', message: () => signed({ ...appSession, conversation: appSession.conversation.filter((t) => t.from === 'bot') }), reason: /no message from the user/ },
    {
      name: 'a conversation whose user messages are blank',
      message: () => signed({ ...appSession, conversation: [...appSession.conversation.filter((t) => t.from === 'bot'), { from: 'user', text: '  \n', at: '2026-11-23T07:59:00Z' }] }),
      reason: /no message from the user/,
    },
    { name: 'a turn from an unknown party', message: () => signed({ ...appSession, conversation: [...appSession.conversation, { from: 'agent', text: '您好' }] }), reason: /conversation\[4\] needs from/ },
    { name: 'a turn without text', message: () => signed({ ...appSession, conversation: [{ from: 'user', at: '2026-11-23T07:58:20Z' }] }), reason: /conversation\[0\] needs from/ },
    { name: 'a visitor id with spaces', message: () => signed({ ...wechatSession, user: { visitorId: 'wx o6 bmjr' } }), reason: /user\.visitorId must be/ },
    {
      name: 'a visitor who is not logged in and gave nothing but a customer number',
      message: () => signed({ ...webSession, user: { authenticated: false, customerNo: 'C000777888' }, contact: undefined }),
      reason: /the hand-off needs the user/,
    },
    {
      name: 'an anonymous web visitor who left no way to reply',
      message: () => signed({ ...webSession, contact: undefined }),
      reason: /no way to reply/,
    },
    {
      name: 'an anonymous WeChat visitor who left no way to reply (the visitor id is not an openid)',
      message: () => signed({ ...wechatSession, contact: undefined }),
      reason: /no way to reply/,
    },
    {
      name: 'a WeChat reply asked for through the bot',
      message: () => signed({ ...wechatSession, replyVia: 'wechat' }),
      reason: /hand-off does not make a valid complaint: preferredReplyChannel: wechat needs complainant\.channelUserId from the wechat channel/,
    },
    {
      name: 'an app reply asked for by a user who was not logged in',
      message: () => signed({ ...webSession, replyVia: 'app' }),
      reason: /preferredReplyChannel: app needs complainant\.customerId/,
    },
    { name: 'an unknown reply channel', message: () => signed({ ...appSession, replyVia: 'carrier-pigeon' }), reason: /replyVia must be one of/ },
    {
      name: 'an e-mail address the platform would reject',
      message: () => signed({ ...webSession, contact: { ...webSession.contact, email: 'emma.wilson at example.org' } }),
      reason: /hand-off does not make a valid complaint: complainant\.email/,
    },
  ],
  personalData: [
    'C000123456', 'app-u-88231', '13712345678', ...appSession.conversation.filter((t) => t.from === 'user').map((t) => t.text),
    'wx-o6_bmjrPTlm6_2sgVt7hMZOPfL2M', 'C999000111', '13512345678', wechatSession.conversation[0].text, 'wx o6 bmjr',
    'web-v-5512ab', 'Emma Wilson', 'emma.wilson@example.org', ...webSession.conversation.filter((t) => t.from === 'user').map((t) => t.text),
    'C000777888', 'emma.wilson at example.org',
  ],
});

describe('chatbot adapter', () => {
  const adapter = chatbotAdapter(config);
  const descriptionOf = async (session: unknown) => {
    const outcome = await adapter.map(signed(session));
    if (outcome.kind !== 'complaint') throw new Error(`expected a complaint, got ${JSON.stringify(outcome)}`);
    return outcome.complaint.description;
  };

  it('refuses everything when the chatbot channel has no secret configured', () => {
    expect(chatbotAdapter({ secretFor: () => undefined }).verify(signed(appSession))).toEqual({ ok: false, reason: 'channel "chatbot" has no signing secret configured' });
  });

  it('answers a logged-in user on the WeChat surface in the app inbox, which finds them by customer number', async () => {
    const outcome = await adapter.map(signed({ ...wechatSession, user: { authenticated: true, customerNo: 'C999000111', visitorId: 'wx-o6_bmjrPTlm6_2sgVt7hMZOPfL2M' }, contact: undefined }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { complainant: { customerId: 'C999000111' }, preferredReplyChannel: 'app' } });
  });

  it('does not take a customer number from a user who was not logged in', async () => {
    const outcome = await adapter.map(signed(wechatSession));
    expect(outcome).toMatchObject({ kind: 'complaint' });
    if (outcome.kind === 'complaint') expect(outcome.complaint.complainant.customerId).toBeUndefined();
  });

  it("keeps the bot's intent code and the hand-off reason as the channel context, but not the intent's confidence", async () => {
    const outcome = await adapter.map(signed(appSession));
    expect(outcome).toMatchObject({ kind: 'complaint' });
    if (outcome.kind === 'complaint') expect(outcome.complaint.channelContext).toEqual({ intent: 'card.fee.dispute', handoffReason: 'unresolved' });
  });

  it('leaves the channel context out when the session has neither an intent code nor a hand-off reason', async () => {
    const outcome = await adapter.map(signed({ ...webSession, intent: { product: 'savings account', confidence: 0.2 }, handoffReason: ' ' }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { productHint: 'savings account' } });
    if (outcome.kind === 'complaint') expect('channelContext' in outcome.complaint).toBe(false);
  });

  it('leaves out an intent code the canonical complaint could not hold rather than refusing the hand-off', async () => {
    for (const code of ['card fee dispute', '信用卡.年费', 'x'.repeat(65), true]) {
      const outcome = await adapter.map(signed({ ...appSession, intent: { ...appSession.intent, code } }));
      expect(outcome).toMatchObject({ kind: 'complaint', complaint: { productHint: '信用卡' } });
      if (outcome.kind === 'complaint') expect(outcome.complaint.channelContext).toEqual({ handoffReason: 'unresolved' });
    }
    const noReason = await adapter.map(signed({ ...appSession, handoffReason: undefined, intent: { code: 'card fee' } }));
    expect(noReason.kind === 'complaint' && 'channelContext' in noReason.complaint).toBe(false);
  });

  it('cuts a long hand-off reason to what the canonical complaint holds', async () => {
    const outcome = await adapter.map(signed({ ...appSession, handoffReason: `low_confidence:\n${'r'.repeat(300)}` }));
    expect(outcome).toMatchObject({ kind: 'complaint' });
    if (outcome.kind !== 'complaint') return;
    const reason = outcome.complaint.channelContext?.handoffReason ?? '';
    expect(reason).toHaveLength(200);
    expect(reason).toMatch(/^low_confidence: r+…$/);
  });

  it('keeps the latest turns of a long conversation within the limit, says earlier ones were left out, and keeps the last user message', async () => {
    const conversation = Array.from({ length: 80 }, (_, i) => ({
      from: i % 2 ? 'bot' : 'user',
      text: i % 2 ? `Bot answer ${i}: ${'please try the app. '.repeat(5)}` : `Message ${i}: ${'my card is blocked and nobody helps. '.repeat(3)}`,
      at: '2026-11-23T07:00:00Z',
    }));
    conversation.push({ from: 'bot', text: 'Transferring you to a person.', at: '2026-11-23T07:59:00Z' });
    const description = await descriptionOf({ ...webSession, conversation });
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(description.startsWith("The customer's messages:\n(earlier messages omitted)\n")).toBe(true);
    expect(description).toContain('\n\nConversation with the chatbot:\n(earlier messages omitted)\n');
    expect(description).toContain(`\n${conversation[78].text.trim()}\n`);
    expect(description.endsWith('\nBot: Transferring you to a person.')).toBe(true);
    expect(description).not.toContain('Message 0:');
    // No more was dropped than had to be: one more user turn (about 280 characters in both parts) would not have fitted.
    expect(description.length).toBeGreaterThan(MAX_DESCRIPTION_LENGTH - 300);
  });

  it('says in Chinese that earlier messages were left out of a long Chinese conversation', async () => {
    const conversation = Array.from({ length: 60 }, (_, i) => ({ from: i % 2 ? 'bot' : 'user', text: `第${i}条：${'我的卡被冻结了没人处理'.repeat(8)}`, at: 'x' }));
    const description = await descriptionOf({ ...appSession, lang: undefined, conversation });
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(description.startsWith('客户留言：\n（较早的消息已省略）\n')).toBe(true);
    expect(description).toContain(conversation[58].text);
  });

  it('shortens long lines of the transcript but keeps the user messages whole', async () => {
    const long = `${'The interest was charged twice. '.repeat(10)}END`;
    const description = await descriptionOf({ ...webSession, conversation: [{ from: 'user', text: long, at: 'x' }] });
    expect(description).toContain(`\n${long}\n`);
    expect(description).toMatch(/\nCustomer: The interest was charged twice\.[^\n]{100,160}…$/);
  });

  it(`keeps the latest turns of a conversation of ${MAX_TRANSCRIPT_TURNS} one-letter turns, dropping no more than it must`, async () => {
    const conversation = Array.from({ length: MAX_TRANSCRIPT_TURNS }, (_, i) => ({ from: i % 2 ? 'bot' : 'user', text: i % 2 ? 'b' : 'u', at: 'x' }));
    conversation[MAX_TRANSCRIPT_TURNS - 2] = { from: 'user', text: 'last', at: 'x' };
    const description = await descriptionOf({ ...webSession, conversation });
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    // A user turn and a bot turn take 21 characters in both parts together: one more pair would not have fitted.
    expect(description.length).toBeGreaterThan(MAX_DESCRIPTION_LENGTH - 21);
    expect(description).toContain('\nu\nlast\n\nConversation with the chatbot:\n(earlier messages omitted)\n');
    expect(description.endsWith('\nCustomer: last\nBot: b')).toBe(true);
  });

  it.each([MAX_TRANSCRIPT_TURNS + 1, 200_000])('refuses a conversation of %i turns, saying how many it takes', async (length) => {
    const conversation = Array.from({ length }, (_, i) => ({ from: i % 2 ? 'bot' : 'user', text: 'a', at: 'x' }));
    expect(await adapter.map(signed({ ...webSession, conversation }))).toEqual({
      kind: 'refused',
      reason: `the conversation has ${length} turns; at most ${MAX_TRANSCRIPT_TURNS} can be handed over`,
      path: 'conversation',
    });
  });

  it('cuts a single user message that alone is too long to the limit', async () => {
    const description = await descriptionOf({ ...webSession, conversation: [{ from: 'user', text: 'x'.repeat(6000), at: 'x' }] });
    expect(description.length).toBe(MAX_DESCRIPTION_LENGTH);
    expect(description.startsWith("The customer's messages:\nxxx")).toBe(true);
    expect(description.endsWith('…')).toBe(true);
  });
});
