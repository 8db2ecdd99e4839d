import { AdapterConfig } from '../src/adapter-config';
import { InboundMessage } from '../src/channel-adapter';
import { AdapterSamples, describeAdapterContract, inboundMessage } from '../src/contract-kit';
import { wechatAdapter, WeChatSettings } from './index';
import { sealAsWeChat, weChatSignature } from './wechat-sender.fixture';

const TOKEN = 'CmplTok3n2026';
const APP_ID = 'wx5f1a2b3c4d5e6f70';
const ENCODING_AES_KEY = 'kWxPqR7s2T9uVbN4mC6dEfG8hJ1kL3nP5qR7sT9uVbN';
const settings: WeChatSettings = { token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY };
const config: AdapterConfig = { secretFor: () => undefined, wechat: settings };
const adapter = wechatAdapter(config);

const RECEIVED = new Date('2026-11-23T08:00:00Z');
const ACCOUNT = 'gh_5a7c9e1b3d2f';
const OPENID = 'oQ8fV5xKp2LmN7rT1sY4wZ9bC3dE';
const MINI_OPENID = 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M';

const sha1Sorted = weChatSignature;
const seal = (plain: string, appId = APP_ID, encodingAesKey = ENCODING_AES_KEY) => sealAsWeChat(plain, appId, encodingAesKey);

interface PushOptions {
  format?: 'xml' | 'json';
  token?: string;
  appId?: string;
  encodingAesKey?: string;
  signedAt?: Date;
  nonce?: string;
  /** Query parameters to drop or to override after signing. */
  query?: Record<string, string | undefined>;
}

/** A safe-mode push as WeChat sends it: the message encrypted into Encrypt, both signatures in the query. */
function push(inner: string, options: PushOptions = {}): InboundMessage {
  const format = options.format ?? 'xml';
  const token = options.token ?? TOKEN;
  const timestamp = String(Math.floor((options.signedAt ?? RECEIVED).getTime() / 1000));
  const nonce = options.nonce ?? '1320562132';
  const encrypt = seal(inner, options.appId, options.encodingAesKey);
  const body =
    format === 'json'
      ? JSON.stringify({ ToUserName: ACCOUNT, Encrypt: encrypt })
      : `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  const query: Record<string, string | undefined> = {
    signature: sha1Sorted(token, timestamp, nonce),
    timestamp,
    nonce,
    openid: format === 'json' ? MINI_OPENID : OPENID,
    encrypt_type: 'aes',
    msg_signature: sha1Sorted(token, timestamp, nonce, encrypt),
    ...options.query,
  };
  return inboundMessage('wechat', body, { contentType: format === 'json' ? 'application/json' : 'text/xml', query, receivedAt: RECEIVED });
}

/** WeChat's URL check, as the console sends it when the server URL is saved. */
function urlCheck(echostr: string, options: { encrypted?: boolean; token?: string } = {}): InboundMessage {
  const timestamp = String(Math.floor(RECEIVED.getTime() / 1000));
  const nonce = '893476512';
  const token = options.token ?? TOKEN;
  const sent = options.encrypted ? seal(echostr) : echostr;
  const query: Record<string, string> = { signature: sha1Sorted(token, timestamp, nonce), timestamp, nonce, echostr: sent };
  if (options.encrypted) query.msg_signature = sha1Sorted(token, timestamp, nonce, sent);
  return inboundMessage('wechat', '', { method: 'GET', contentType: '', query, receivedAt: RECEIVED });
}

const textXml = (fields: { from?: string; content?: string; msgId?: string; type?: string; extra?: string } = {}) =>
  `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${fields.from ?? OPENID}]]></FromUserName>` +
  `<CreateTime>1795420795</CreateTime><MsgType><![CDATA[${fields.type ?? 'text'}]]></MsgType>` +
  (fields.content === undefined ? '' : `<Content><![CDATA[${fields.content}]]></Content>`) +
  (fields.msgId === undefined ? '' : `<MsgId>${fields.msgId}</MsgId>`) +
  (fields.extra ?? '') +
  `</xml>`;

const CONTENT = '我的信用卡被盗刷了3笔，共计5600元，已经挂失，但客服一直说在处理。';
const OFFICIAL_TEXT = textXml({ content: CONTENT, msgId: '24872360151934728' });
/** A mini-program customer-service message in JSON: MsgId is a JSON number beyond 2^53. */
const MINI_TEXT = `{"ToUserName":"gh_8d3f6b2a1c90","FromUserName":"${MINI_OPENID}","CreateTime":1795420795,"MsgType":"text","Content":"小程序里申请的贷款被拒，但征信查询了5次，要求说明原因。","MsgId":24872360151934729}`;

/** Genuine pushes (they pass verification, see below) that cannot become complaints; the first is not even a push. */
const INVALID: AdapterSamples['invalid'] = [
  {
    name: 'a body that is not XML',
    message: () => ({ ...push(OFFICIAL_TEXT), body: Buffer.from('hello, this is not xml') }),
    reason: /not well-formed XML/,
  },
  { name: 'an encrypted message that is not XML', message: () => push('hello, this is not xml'), reason: /decrypted message: the body is not well-formed XML/ },
  { name: 'a text message without Content', message: () => push(textXml({ msgId: '24872360151934731' })), reason: /Content is required/ },
  { name: 'a text message with blank Content', message: () => push(textXml({ content: '   ', msgId: '24872360151934732' })), reason: /Content is required/ },
  { name: 'a text message without MsgId', message: () => push(textXml({ content: CONTENT })), reason: /MsgId is required/ },
  { name: 'a message without MsgType', message: () => push(`<xml><FromUserName>${OPENID}</FromUserName><Content>x</Content></xml>`), reason: /MsgType is required/ },
  { name: 'a text message whose FromUserName is not an openid', message: () => push(textXml({ from: 'o pen id', content: CONTENT, msgId: '1' })), reason: /FromUserName must be the openid/ },
  {
    name: 'a location message',
    message: () => push(textXml({ type: 'location', msgId: '24872360151934735', extra: '<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>' })),
    reason: /only text, image, voice, video and file messages become complaints \(this is "location"\)/,
  },
  { name: 'a mini-program JSON array', message: () => push('[1,2]', { format: 'json' }), reason: /JSON object/ },
  {
    name: 'a message declaring entities',
    message: () => push(`<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">]><xml><MsgType>text</MsgType><Content>&a;&a;</Content></xml>`),
    reason: /DOCTYPE/,
  },
];

const REPLIES: NonNullable<AdapterSamples['replies']> = [
  { name: 'the URL check (echostr)', message: () => urlCheck('7204958316725409135'), status: 200, body: /^7204958316725409135$/ },
  { name: 'the URL check with an encrypted echostr', message: () => urlCheck('5927816354091827364', { encrypted: true }), status: 200, body: /^5927816354091827364$/ },
  {
    name: 'a subscribe event',
    message: () => push(`<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>1795420795</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`),
    status: 200,
    body: /^success$/,
  },
  {
    name: 'a mini-program user_enter_tempsession event (JSON)',
    message: () => push(`{"ToUserName":"gh_8d3f6b2a1c90","FromUserName":"${MINI_OPENID}","CreateTime":1795420795,"MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"card-page"}`, { format: 'json' }),
    status: 200,
    body: /^success$/,
  },
];

describeAdapterContract(adapter, {
  valid: [
    {
      name: 'an image message: kept, the handler opens the picture by its MediaId',
      message: () => push(textXml({ type: 'image', msgId: '24872360151934733', extra: '<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[media_id_1]]></MediaId>' })),
      messageId: '24872360151934733',
      complaint: {
        channel: 'wechat',
        channelReference: '24872360151934733',
        complainant: { channelUserId: OPENID },
        description: '[客户通过微信发送了一条图片消息，MediaId media_id_1，请在微信后台查看]',
        preferredReplyChannel: 'wechat',
        language: 'zh-CN',
      },
    },
    {
      name: "a voice message with WeChat's recognised text",
      message: () =>
        push(textXml({ type: 'voice', msgId: '24872360151934734', extra: '<MediaId><![CDATA[media_id_2]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[我的转账一直没到账]]></Recognition>' })),
      messageId: '24872360151934734',
      complaint: {
        channel: 'wechat',
        channelReference: '24872360151934734',
        complainant: { channelUserId: OPENID },
        description: '我的转账一直没到账\n\n[客户通过微信发送了一条语音消息，MediaId media_id_2，请在微信后台查看]',
        preferredReplyChannel: 'wechat',
        language: 'zh-CN',
      },
    },
    {
      name: 'an official-account text push (XML, safe mode)',
      message: () => push(OFFICIAL_TEXT),
      messageId: '24872360151934728',
      complaint: {
        channel: 'wechat',
        channelReference: '24872360151934728',
        complainant: { channelUserId: OPENID },
        description: CONTENT,
        preferredReplyChannel: 'wechat',
        language: 'zh-CN',
      },
    },
    {
      name: 'a mini-program customer-service text push (JSON, safe mode, 64-bit MsgId)',
      message: () => push(MINI_TEXT, { format: 'json' }),
      messageId: '24872360151934729',
      complaint: {
        channel: 'wechat',
        channelReference: '24872360151934729',
        complainant: { channelUserId: MINI_OPENID },
        description: '小程序里申请的贷款被拒，但征信查询了5次，要求说明原因。',
        preferredReplyChannel: 'wechat',
        language: 'zh-CN',
      },
    },
    {
      name: 'an English text push with XML entities',
      message: () => push(`<xml><FromUserName>${OPENID}</FromUserName><MsgType>text</MsgType><Content>  Fee charged twice &amp; no refund &lt;again&gt;  </Content><MsgId>24872360151934730</MsgId></xml>`),
      messageId: '24872360151934730',
      complaint: {
        channel: 'wechat',
        channelReference: '24872360151934730',
        complainant: { channelUserId: OPENID },
        description: 'Fee charged twice & no refund <again>',
        preferredReplyChannel: 'wechat',
        language: 'en',
      },
    },
  ],
  forged: [
    { name: 'push with a forged signature', message: () => push(OFFICIAL_TEXT, { query: { signature: sha1Sorted('guess', '1', '2') } }), reason: /signature does not match/ },
    { name: 'push without signature', message: () => push(OFFICIAL_TEXT, { query: { signature: undefined } }), reason: /\(signature, timestamp, nonce\) are required/ },
    { name: 'push without nonce', message: () => push(OFFICIAL_TEXT, { query: { nonce: undefined } }), reason: /are required/ },
    { name: 'push signed ten minutes before it arrived', message: () => push(OFFICIAL_TEXT, { signedAt: new Date(RECEIVED.getTime() - 600_000) }), reason: /more than 300 s from now/ },
    { name: 'push signed with the token of another account', message: () => push(OFFICIAL_TEXT, { token: 'AnotherAccountToken' }), reason: /signature does not match the token/ },
    {
      name: 'push whose msg_signature does not cover its Encrypt',
      message: () => push(OFFICIAL_TEXT, { query: { msg_signature: sha1Sorted(TOKEN, '1795420800', '1320562132', 'something else') } }),
      reason: /msg_signature does not match/,
    },
    { name: 'plaintext-mode push (no msg_signature)', message: () => push(OFFICIAL_TEXT, { query: { msg_signature: undefined, encrypt_type: undefined } }), reason: /safe mode/ },
    {
      name: 'plaintext-mode body under valid signatures',
      message: () => {
        const signedPush = push(OFFICIAL_TEXT);
        return { ...signedPush, body: Buffer.from(OFFICIAL_TEXT) };
      },
      reason: /safe mode/,
    },
    { name: 'push encrypted for another app id', message: () => push(OFFICIAL_TEXT, { appId: 'wx0000000000000000' }), reason: /another app id/ },
    {
      name: 'push encrypted with another EncodingAESKey',
      message: () => push(OFFICIAL_TEXT, { encodingAesKey: 'ZZZZqR7s2T9uVbN4mC6dEfG8hJ1kL3nP5qR7sT9uVbN' }),
      reason: /cannot be decrypted with the configured EncodingAESKey/,
    },
  ],
  invalid: INVALID,
  replies: REPLIES,
  personalData: [OPENID, MINI_OPENID, CONTENT, '征信查询了5次', 'Fee charged twice'],
});

describe('WeChat adapter', () => {
  it('answers a filed push with "success", the only answer besides a reply message that WeChat does not show its user as an error', () => {
    expect(adapter.acknowledge?.({ complaintId: 'c', ticketNumber: 'C2026112300017', receivedAt: '2026-11-23T08:00:00.000Z', responseDueBy: '2026-12-08' })).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'success',
    });
  });

  it('a WeChat push with a forged signature is refused', () => {
    const genuine = push(OFFICIAL_TEXT);
    expect(adapter.verify(genuine)).toEqual({ ok: true, nonce: `${genuine.query.timestamp}:1320562132`, timestamp: Number(genuine.query.timestamp), retriedVerbatim: true });
    const flipped = genuine.query.signature!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(adapter.verify({ ...genuine, query: { ...genuine.query, signature: flipped } })).toEqual({ ok: false, reason: 'the WeChat signature does not match the token' });
    const forgedBoth = { ...genuine.query, signature: sha1Sorted('stolen?', genuine.query.timestamp!, '1320562132') };
    expect(adapter.verify({ ...genuine, query: forgedBoth })).toMatchObject({ ok: false });
  });

  it.each(REPLIES.map((s) => [s.name, s] as const))('verifies %s before answering it', (_name, sample) => {
    expect(adapter.verify(sample.message())).toMatchObject({ ok: true });
  });

  it('hears a verbatim retry of a push, never of a URL check (its echostr is in the query, covered by nothing but the signature)', () => {
    expect(adapter.verify(urlCheck('7204958316725409135'))).toEqual(expect.not.objectContaining({ retriedVerbatim: true }));
    expect(adapter.verify(urlCheck('7204958316725409135'))).toMatchObject({ ok: true });
  });

  it('refuses a URL check signed with the token of another account', () => {
    expect(adapter.verify(urlCheck('7204958316725409135', { token: 'AnotherAccountToken' }))).toEqual({ ok: false, reason: 'the WeChat signature does not match the token' });
  });

  it.each(INVALID.slice(1).map((s) => [s.name, s] as const))('refuses %s although WeChat really sent it (it verifies)', (_name, sample) => {
    expect(adapter.verify(sample.message())).toMatchObject({ ok: true });
  });

  it("decrypts Tencent's published WXBizMsgCrypt sample and reads only the signed, encrypted copy", () => {
    // The sample of Tencent's WXBizMsgCrypt SDK (compatible mode: a plaintext copy next to Encrypt).
    const tencent = wechatAdapter({ secretFor: () => undefined, wechat: { token: 'spamtest', appId: 'wx2c2769f8efd9abc2', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' } as WeChatSettings });
    const encrypt =
      'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=';
    // The plaintext copy is not covered by msg_signature: here it has been tampered with.
    const body =
      '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime>' +
      `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[TAMPERED]]></Content><MsgId>1</MsgId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const message = inboundMessage('wechat', body, {
      contentType: 'text/xml',
      receivedAt: new Date(1409735669 * 1000),
      query: { signature: sha1Sorted('spamtest', '1409735669', '1320562132'), timestamp: '1409735669', nonce: '1320562132', msg_signature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa', encrypt_type: 'aes' },
    });
    expect(tencent.verify(message)).toMatchObject({ ok: true });
    expect(tencent.map(message)).toEqual({
      kind: 'complaint',
      messageId: '6054768590064713728',
      complaint: {
        channel: 'wechat',
        channelReference: '6054768590064713728',
        complainant: { channelUserId: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs' },
        description: 'abcdteT',
        preferredReplyChannel: 'wechat',
        language: 'en',
      },
      uploads: [],
    });
  });

  it('refuses pushes while safe mode is not configured, but still answers the URL check', () => {
    const withoutKey = wechatAdapter({ secretFor: () => undefined, wechat: { token: TOKEN, appId: APP_ID } });
    expect(withoutKey.verify(push(OFFICIAL_TEXT))).toEqual({ ok: false, reason: 'WeChat safe mode needs appId and a 43-character encodingAesKey configured' });
    expect(withoutKey.verify(urlCheck('7204958316725409135'))).toMatchObject({ ok: true });
  });

  it('refuses everything when WeChat is not configured', () => {
    expect(wechatAdapter({ secretFor: () => undefined }).verify(push(OFFICIAL_TEXT))).toEqual({ ok: false, reason: 'channel "wechat" has no token configured' });
  });

  it('accepts a push signed within 300 s either side of its arrival, not beyond', () => {
    expect(adapter.verify(push(OFFICIAL_TEXT, { signedAt: new Date(RECEIVED.getTime() - 300_000) }))).toMatchObject({ ok: true });
    expect(adapter.verify(push(OFFICIAL_TEXT, { signedAt: new Date(RECEIVED.getTime() + 300_000) }))).toMatchObject({ ok: true });
    expect(adapter.verify(push(OFFICIAL_TEXT, { signedAt: new Date(RECEIVED.getTime() + 301_000) }))).toMatchObject({ ok: false });
  });

  it('refuses methods WeChat does not use', () => {
    expect(adapter.verify({ ...push(OFFICIAL_TEXT), method: 'PUT' })).toEqual({ ok: false, reason: 'WeChat sends only GET (the URL check) and POST (pushes)' });
  });
});
