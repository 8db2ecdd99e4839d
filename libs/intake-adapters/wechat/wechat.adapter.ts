import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AdapterOutcome, ChannelAdapter, compact, InboundMessage, ProtocolReply, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { aesKeyOf, decryptWeChat, signatureMatches, wechatSignature } from './wechat-crypto';
import { truncate } from '../src/payload';

/**
 * The WeChat official account (公众号) and the mini-program customer-service (小程序客服) message push.
 *
 * WeChat calls the URL set in its console:
 *   GET  ?signature&timestamp&nonce&echostr                 the URL check: answer with echostr
 *   POST ?signature&timestamp&nonce&openid&encrypt_type=aes&msg_signature
 *        official account: text/xml          <xml><ToUserName/><Encrypt>…</Encrypt></xml>
 *        mini-program:     application/json  {"ToUserName": "…", "Encrypt": "…"}
 *
 * Pushes must come in safe mode (安全模式). In plaintext mode WeChat signs only token, timestamp
 * and nonce, never the message: anyone who captured one request could send any content under its
 * signature within the five minutes. In safe mode msg_signature covers the encrypted payload, so
 * this adapter reads only what it decrypts from `Encrypt` (in compatible mode the plaintext copy
 * next to it is ignored) and checks that it was encrypted for our app id.
 *
 * The decrypted message, XML or JSON like its envelope (all values read as strings, so 64-bit
 * MsgIds stay exact):
 *   { ToUserName, FromUserName: openid, CreateTime, MsgType: "text", Content, MsgId }
 * A text message becomes a complaint; an event (subscribe, user_enter_tempsession, ...) is answered
 * "success" as WeChat expects; other message types are refused.
 */
export interface WeChatSettings {
  /** The token set in the WeChat console. */
  token: string;
  /** The official account's or mini-program's app id: safe-mode payloads name the app they are for. */
  appId?: string;
  /** The EncodingAESKey set in the WeChat console (43 letters and digits). */
  encodingAesKey?: string;
}

export class WeChatAdapter implements ChannelAdapter {
  readonly channel = 'wechat' as const;
  readonly accepts = ['text/xml', 'application/xml', 'application/json'] as const;

  constructor(private readonly settings: WeChatSettings | undefined) {}

  verify(message: InboundMessage): Verification {
    const token = this.settings?.token;
    if (!token) return { ok: false, reason: 'channel "wechat" has no token configured' };
    const { signature, timestamp, nonce } = message.query;
    if (!signature || !timestamp || !nonce) return { ok: false, reason: 'the WeChat signature parameters (signature, timestamp, nonce) are required' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'the WeChat timestamp must be Unix seconds' };
    if (!NONCE.test(nonce)) return { ok: false, reason: 'the WeChat nonce must be 1-64 letters, digits, _ or -' };
    const now = Math.floor(message.receivedAt.getTime() / 1000);
    if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) {
      return { ok: false, reason: `the WeChat timestamp is more than ${TOLERANCE_SECONDS} s from now` };
    }
    if (!signatureMatches(wechatSignature(token, timestamp, nonce), signature)) {
      return { ok: false, reason: 'the WeChat signature does not match the token' };
    }

    const verified: Verification = { ok: true, nonce: `${timestamp}:${nonce}`, timestamp: Number(timestamp) };
    if (message.method === 'GET') {
      // The URL check: WeChat sends echostr in the clear, covered by nothing but the request signature;
      // the answer echoes it and files nothing. An encrypted echostr comes with msg_signature.
      if (message.query.msg_signature === undefined) return verified;
      const sealed = this.checkSealed(message, message.query.echostr);
      return sealed.ok ? verified : sealed;
    }
    if (message.method !== 'POST') return { ok: false, reason: 'WeChat sends only GET (the URL check) and POST (pushes)' };
    if (message.query.msg_signature === undefined) return { ok: false, reason: PLAINTEXT_MODE };
    const envelope = readEnvelope(message);
    if (!envelope.ok) return { ok: false, reason: envelope.reason };
    if (envelope.fields.Encrypt === undefined) return { ok: false, reason: PLAINTEXT_MODE };
    const sealed = this.checkSealed(message, envelope.fields.Encrypt);
    // WeChat retries a push it had no answer to within five seconds, up to three times, with the same
    // query and body; msg_signature covers the body, and the endpoint compares the bytes. Not the URL
    // check: its echostr is in the query, which nothing but the reused signature would cover.
    return sealed.ok ? { ...verified, retriedVerbatim: true } : sealed;
  }

  map(message: InboundMessage): AdapterOutcome {
    if (message.method === 'GET') return this.answerUrlCheck(message);
    const envelope = readEnvelope(message);
    if (!envelope.ok) return { kind: 'refused', reason: envelope.reason };
    if (envelope.fields.Encrypt === undefined) return { kind: 'refused', reason: PLAINTEXT_MODE, path: 'Encrypt' };
    const opened = this.open(envelope.fields.Encrypt);
    if (!opened.ok) return { kind: 'refused', reason: opened.reason, path: 'Encrypt' };
    const parsed = parseDocument(opened.message, envelope.format);
    if (!parsed.ok) return { kind: 'refused', reason: `the decrypted message: ${parsed.reason}` };
    return this.mapMessage(parsed.fields);
  }

  /**
   * WeChat takes "success", an empty body or a reply message; anything else (JSON, a 201) makes it
   * show the customer "该公众号暂时无法提供服务，请稍后再试" although the complaint was filed. The
   * acknowledgement with the ticket number reaches them as a message from notification.
   */
  acknowledge(): ProtocolReply {
    return { status: SUCCESS.status, contentType: SUCCESS.contentType, body: SUCCESS.body };
  }

  private mapMessage(fields: Fields): AdapterOutcome {
    const type = fields.MsgType;
    if (type === undefined || type === '') return { kind: 'refused', reason: 'MsgType is required', path: 'MsgType' };
    if (type === 'event') return SUCCESS;
    if (type !== 'text' && !(type in MEDIA_MESSAGES)) {
      const named = /^[a-z_]{1,32}$/.test(type) ? ` (this is "${type}")` : '';
      return { kind: 'refused', reason: `only text, image, voice, video and file messages become complaints${named}`, path: 'MsgType' };
    }
    const openid = fields.FromUserName;
    if (openid === undefined || !OPENID.test(openid)) return { kind: 'refused', reason: 'FromUserName must be the openid: 1-128 letters, digits or _-', path: 'FromUserName' };
    const msgId = fields.MsgId;
    if (msgId === undefined || !MSG_ID.test(msgId)) return { kind: 'refused', reason: 'MsgId is required: 1-64 letters, digits or _-', path: 'MsgId' };
    // A photo or a voice message is still the customer complaining: it is kept, and the handler
    // opens the media in the WeChat console by its MediaId (a voice message's recognised text is used when WeChat sent it).
    const content = type === 'text' ? (fields.Content ?? '').trim() : mediaDescription(type, fields);
    if (content === '') return { kind: 'refused', reason: 'Content is required: the customer must say what went wrong', path: 'Content' };
    const description = truncate(content, MAX_DESCRIPTION_LENGTH);
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: msgId,
      complainant: { channelUserId: openid },
      description,
      preferredReplyChannel: 'wechat',
      language: HAN.test(description) ? 'zh-CN' : 'en',
    } as CanonicalComplaint);
    return { kind: 'complaint', messageId: msgId, complaint, uploads: [] };
  }

  private answerUrlCheck(message: InboundMessage): AdapterOutcome {
    const echostr = message.query.echostr;
    if (!echostr) return { kind: 'refused', reason: 'echostr is required: a GET from WeChat is its URL check', path: 'echostr' };
    let answer = echostr;
    if (message.query.msg_signature !== undefined) {
      const opened = this.open(echostr);
      if (!opened.ok) return { kind: 'refused', reason: opened.reason, path: 'echostr' };
      answer = opened.message;
    }
    if (!ECHOSTR.test(answer)) return { kind: 'refused', reason: 'echostr must be 1-256 letters, digits or _.+/=-', path: 'echostr' };
    return { kind: 'reply', status: 200, contentType: 'text/plain', body: answer };
  }

  /** msg_signature covers the sealed payload, which decrypts to something for our app. */
  private checkSealed(message: InboundMessage, sealed: string | undefined): { ok: true } | { ok: false; reason: string } {
    if (!sealed) return { ok: false, reason: 'the WeChat payload to decrypt is missing' };
    const expected = wechatSignature(this.settings!.token, message.query.timestamp!, message.query.nonce!, sealed);
    if (!signatureMatches(expected, message.query.msg_signature)) return { ok: false, reason: 'the WeChat msg_signature does not match the encrypted payload' };
    const opened = this.open(sealed);
    return opened.ok ? { ok: true } : opened;
  }

  /** Decrypts a sealed payload and checks it was encrypted for the configured app. */
  private open(sealed: string): { ok: true; message: string } | { ok: false; reason: string } {
    const key = aesKeyOf(this.settings?.encodingAesKey);
    const appId = this.settings?.appId;
    if (!key || !appId) return { ok: false, reason: 'WeChat safe mode needs appId and a 43-character encodingAesKey configured' };
    const decrypted = decryptWeChat(sealed, key);
    if (!decrypted.ok) return decrypted;
    if (decrypted.appId !== appId) return { ok: false, reason: 'the WeChat payload was encrypted for another app id' };
    return { ok: true, message: decrypted.message };
  }
}

type Fields = Record<string, string>;
type Parsed = { ok: true; fields: Fields } | { ok: false; reason: string };

const TOLERANCE_SECONDS = 300;
const NONCE = /^[A-Za-z0-9_-]{1,64}$/;
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;
const MSG_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ECHOSTR = /^[A-Za-z0-9_.+/=-]{1,256}$/;
const HAN = /\p{Script=Han}/u;
const SUCCESS = { kind: 'reply', status: 200, contentType: 'text/plain', body: 'success' } as const satisfies AdapterOutcome;
const PLAINTEXT_MODE =
  'a WeChat push must come in safe mode (msg_signature and an Encrypt payload): the plaintext-mode signature does not cover the message';

const xml = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

/** The outer document: XML for the official account, JSON for a mini-program that chose JSON. */
function readEnvelope(message: InboundMessage): { ok: true; format: 'xml' | 'json'; fields: Fields } | { ok: false; reason: string } {
  const format = formatOf(message);
  const parsed = parseDocument(message.body.toString('utf8'), format);
  return parsed.ok ? { ok: true, format, fields: parsed.fields } : parsed;
}

function formatOf(message: InboundMessage): 'xml' | 'json' {
  const type = message.contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type.endsWith('/xml') || type.endsWith('+xml')) return 'xml';
  return message.body.toString('utf8').trimStart().startsWith('{') ? 'json' : 'xml';
}

/** The top-level string fields of a WeChat document; nested or repeated elements are not read. */
function parseDocument(text: string, format: 'xml' | 'json'): Parsed {
  let root: unknown;
  if (format === 'json') {
    try {
      root = JSON.parse(numbersAsStrings(text));
    } catch (_e) {
      return { ok: false, reason: 'the body is not valid JSON' };
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return { ok: false, reason: 'the body must be a JSON object' };
  } else {
    // WeChat never sends a DTD; refusing one keeps entity expansion out of reach.
    if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { ok: false, reason: 'the body must not declare a DOCTYPE or entities' };
    if (XMLValidator.validate(text) !== true) return { ok: false, reason: 'the body is not well-formed XML' };
    const document = xml.parse(text) as Record<string, unknown>;
    root = document.xml;
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return { ok: false, reason: 'the body must be an <xml> element with child elements' };
  }
  const fields: Fields = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) if (typeof value === 'string') fields[name] = value;
  return { ok: true, fields };
}

/**
 * JSON text with every number turned into a string of its digits, so JSON.parse cannot round a
 * 64-bit MsgId. Strings are matched whole by the first alternative, so digits inside them are kept.
 */
function numbersAsStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (match: string, number: string | undefined) =>
    number === undefined ? match : `"${number}"`,
  );
}

/** Message types that carry media instead of text, and how the customer's timeline names them. */
const MEDIA_MESSAGES: Record<string, string> = { image: '图片', voice: '语音', video: '视频', shortvideo: '小视频', file: '文件' };

function mediaDescription(type: string, fields: Record<string, string | undefined>): string {
  const mediaId = fields.MediaId && /^[A-Za-z0-9_-]{1,128}$/.test(fields.MediaId) ? fields.MediaId : undefined;
  const recognised = (fields.Recognition ?? '').trim();
  const note = `[客户通过微信发送了一条${MEDIA_MESSAGES[type]}消息${mediaId ? `，MediaId ${mediaId}` : ''}，请在微信后台查看]`;
  return recognised ? `${recognised}\n\n${note}` : note;
}
