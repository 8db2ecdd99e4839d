import { REPLY_CHANNELS } from '@complaints/contracts';
import { AdapterOutcome, canonicalProblems, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { parseJson, verifyHmac } from '../src/signed-json/hmac';
import { clip, isObject, MAX_TRANSCRIPT_TURNS, text } from '../src/payload';
import { firstReachable, ReplyChannel } from '../src/reply-to';

/**
 * The chatbot's hand-off: when the bot (in the app, on the website or in the WeChat account) cannot
 * resolve what the user raises, or the user asks for a person, the bot platform posts the session,
 * signed with the platform's HMAC. Its field names are the bot platform's, not ours:
 *
 *   { "sessionId": "cb-20261123-7f3a9c", "handoffAt", "surface": "app" | "web" | "wechat",
 *     "handoffReason": "unresolved" | "asked_for_human" | "negative_sentiment",
 *     "user": { "authenticated": true, "customerNo": "C000123", "visitorId": "wx-o6_bmjrPTlm6_2sgVt7hMZ" },
 *     "contact": { "name", "mobile", "email" }   (what the user gave the bot for the hand-off),
 *     "intent": { "code": "card.fee.dispute", "product": "信用卡", "confidence": 0.41 },
 *     "conversation": [{ "from": "user" | "bot", "text", "at": "2026-11-23T07:58:01Z" }],
 *     "replyVia": "sms" | "email" | "app" | "phone" | "letter" | "wechat", "lang": "zh-CN" | "en" }
 *
 * The description carries what the user wrote, in full, then a compact transcript of the whole
 * conversation, so nobody asks the customer again. When that does not fit, the earliest turns go and
 * the description says so; the user's last message always stays. A conversation of more than 2,000
 * turns (MAX_TRANSCRIPT_TURNS) is refused: no hand-off a person reads is that long. A customer number counts only when
 * the user was logged in; the visitor id is the channel's user id. The visitor id is the bot platform's
 * own, even on the WeChat surface: it is no WeChat openid and no app user, so nothing is sent through
 * it. Without `replyVia` a logged-in user is answered in the app inbox (which finds them by customer
 * number, whichever surface they used); anyone else by SMS or e-mail, as their contact details allow.
 * A user who leaves no way to be answered is refused, for the bot to ask for a mobile number or an
 * e-mail address before it hands over; a `replyVia` the hand-off gives no means for (`wechat`, or `app`
 * for a user who was not logged in) is refused by the canonical validation. The intent code and the
 * hand-off reason are kept as the channel
 * context when the session has them: an intent code the canonical complaint could not hold is left
 * out rather than refusing the complaint, and a hand-off reason is cut to 200 characters. Not kept:
 * the intent's confidence, the surface, the hand-off time and the times of the turns.
 */
export class ChatbotHandoffAdapter implements ChannelAdapter {
  readonly channel = 'chatbot' as const;
  readonly accepts = ['application/json'] as const;

  constructor(private readonly secret: Buffer | undefined) {}

  verify(message: InboundMessage): Verification {
    return verifyHmac(message, this.secret);
  }

  map(message: InboundMessage): AdapterOutcome {
    const parsed = parseJson(message);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const handoff = parsed.value as Handoff;
    const sessionId = text(handoff.sessionId);
    if (!sessionId || !/^[A-Za-z0-9._:-]{1,128}$/.test(sessionId)) {
      return { kind: 'refused', reason: 'sessionId is required: 1-128 letters, digits or ._:-', path: 'sessionId' };
    }

    if (!Array.isArray(handoff.conversation) || handoff.conversation.length === 0) {
      return { kind: 'refused', reason: 'the conversation is empty: there is nothing to hand over', path: 'conversation' };
    }
    if (handoff.conversation.length > MAX_TRANSCRIPT_TURNS) {
      return { kind: 'refused', reason: `the conversation has ${handoff.conversation.length} turns; at most ${MAX_TRANSCRIPT_TURNS} can be handed over`, path: 'conversation' };
    }
    const turns: Turn[] = [];
    for (const [i, turn] of handoff.conversation.entries()) {
      const t = isObject(turn) ? (turn as ConversationTurn) : undefined;
      if (!t || (t.from !== 'user' && t.from !== 'bot') || typeof t.text !== 'string') {
        return { kind: 'refused', reason: `conversation[${i}] needs from "user" or "bot" and text`, path: `conversation[${i}]` };
      }
      const words = t.text.replace(/\s+/g, ' ').trim();
      if (words) turns.push({ from: t.from, text: words });
    }
    if (!turns.some((t) => t.from === 'user')) {
      return { kind: 'refused', reason: 'the conversation has no message from the user', path: 'conversation' };
    }

    const user = isObject(handoff.user) ? (handoff.user as HandoffUser) : {};
    const contact = isObject(handoff.contact) ? (handoff.contact as HandoffContact) : {};
    const loggedIn = user.authenticated === true;
    const visitorId = text(user.visitorId);
    if (visitorId && !/^[A-Za-z0-9_.:@-]{1,128}$/.test(visitorId)) {
      return { kind: 'refused', reason: 'user.visitorId must be 1-128 letters, digits or _.:@-', path: 'user.visitorId' };
    }
    const complainant = {
      customerId: loggedIn ? text(user.customerNo) : undefined,
      name: text(contact.name),
      phone: text(contact.mobile),
      email: text(contact.email),
      channelUserId: visitorId,
    };
    if (!Object.values(complainant).some(Boolean)) {
      return { kind: 'refused', reason: "the hand-off needs the user: a logged-in customer number, the channel's visitor id or contact details", path: 'user' };
    }

    const preferredReplyChannel = text(handoff.replyVia) ?? firstReachable(DEFAULT_REPLY_CHANNELS, { channel: this.channel, complainant });
    if (!preferredReplyChannel) {
      return { kind: 'refused', reason: 'an anonymous user left no way to reply: the bot must ask for a mobile number or e-mail address before handing over', path: 'contact' };
    }
    if (!(REPLY_CHANNELS as readonly string[]).includes(preferredReplyChannel)) {
      return { kind: 'refused', reason: `replyVia must be one of ${REPLY_CHANNELS.join(', ')}`, path: 'replyVia' };
    }

    const language = handoff.lang === 'zh-CN' || handoff.lang === 'en' ? handoff.lang : undefined;
    const chinese = language ? language === 'zh-CN' : CJK.test(turns.filter((t) => t.from === 'user').map((t) => t.text).join(''));
    const intent = isObject(handoff.intent) ? (handoff.intent as HandoffIntent) : {};
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: sessionId,
      complainant,
      description: describeConversation(turns, chinese ? ZH : EN),
      productHint: text(intent.product),
      preferredReplyChannel: preferredReplyChannel as CanonicalComplaint['preferredReplyChannel'],
      language,
      channelContext: handoffContext(intent, handoff),
    } as CanonicalComplaint);
    // What the platform would reject goes back to the channel now, with the reason (which names fields, never their values).
    const problems = canonicalProblems(complaint);
    if (problems.length) {
      return { kind: 'refused', reason: `the hand-off does not make a valid complaint: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, path: problems[0].path };
    }
    return { kind: 'complaint', messageId: sessionId, complaint, uploads: [] };
  }
}

/** Where to answer a user who did not say: the app inbox of a logged-in customer, else where their contact details reach. */
const DEFAULT_REPLY_CHANNELS: readonly ReplyChannel[] = ['app', 'sms', 'email'];

/** What the bot understood and why it handed over, as far as the session says so in a form the canonical complaint holds. */
function handoffContext(intent: HandoffIntent, handoff: Handoff): CanonicalComplaint['channelContext'] {
  const code = text(intent.code);
  const reason = text(handoff.handoffReason)?.replace(/\s+/g, ' ');
  const context = {
    intent: code && INTENT_CODE.test(code) ? code : undefined,
    handoffReason: reason ? clip(reason, HANDOFF_REASON_LENGTH) : undefined,
  };
  return context.intent || context.handoffReason ? context : undefined;
}

const INTENT_CODE = /^[A-Za-z0-9._-]{1,64}$/;
const HANDOFF_REASON_LENGTH = 200;

interface Turn {
  from: 'user' | 'bot';
  text: string;
}

interface Labels {
  messages: string;
  transcript: string;
  user: string;
  bot: string;
  omitted: string;
}

const ZH: Labels = { messages: '客户留言：', transcript: '与智能客服的对话：', user: '客户：', bot: '机器人：', omitted: '（较早的消息已省略）' };
const EN: Labels = { messages: "The customer's messages:", transcript: 'Conversation with the chatbot:', user: 'Customer: ', bot: 'Bot: ', omitted: '(earlier messages omitted)' };

/** A transcript line's longest text: the user's messages are there in full already. */
const TRANSCRIPT_LINE_LENGTH = 160;
const CJK = /[\u3400-\u9fff]/;

/**
 * The user's messages, then the conversation one turn a line. When that is longer than a description
 * may be, the earliest turns go, from both parts, until it fits; the user's last message always stays.
 */
function describeConversation(turns: Turn[], labels: Labels): string {
  const lines = turns.map((t) => `${t.from === 'user' ? labels.user : labels.bot}${clip(t.text, TRANSCRIPT_LINE_LENGTH)}`);
  const compose = (from: number) => {
    const omitted = from > 0 ? [labels.omitted] : [];
    return [
      labels.messages,
      ...omitted,
      ...turns.slice(from).filter((t) => t.from === 'user').map((t) => t.text),
      '',
      labels.transcript,
      ...omitted,
      ...lines.slice(from),
    ].join('\n');
  };
  // The length of compose(from) without composing it: every line and its line break, less the last
  // break. Dropping a turn takes its lines off the total, so finding where to start is one pass.
  const turnLength = (i: number) => lines[i].length + 1 + (turns[i].from === 'user' ? turns[i].text.length + 1 : 0);
  const frame = labels.messages.length + 1 + 1 + labels.transcript.length + 1 - 1;
  const omittedLines = 2 * (labels.omitted.length + 1);
  let shown = 0;
  for (let i = 0; i < turns.length; i++) shown += turnLength(i);
  const lastUserTurn = turns.map((t) => t.from).lastIndexOf('user');
  for (let from = 0; from <= lastUserTurn; from++) {
    if (frame + shown + (from > 0 ? omittedLines : 0) <= MAX_DESCRIPTION_LENGTH) return compose(from);
    shown -= turnLength(from);
  }
  // The user's last message alone is too long: keep its beginning.
  return clip(compose(lastUserTurn), MAX_DESCRIPTION_LENGTH);
}

interface ConversationTurn {
  from?: unknown;
  text?: unknown;
  at?: unknown;
}

interface HandoffUser {
  authenticated?: unknown;
  customerNo?: unknown;
  visitorId?: unknown;
}

interface HandoffContact {
  name?: unknown;
  mobile?: unknown;
  email?: unknown;
}

interface HandoffIntent {
  code?: unknown;
  product?: unknown;
  confidence?: unknown;
}

interface Handoff {
  sessionId?: unknown;
  handoffAt?: unknown;
  surface?: unknown;
  handoffReason?: unknown;
  user?: unknown;
  contact?: unknown;
  intent?: unknown;
  conversation?: unknown;
  replyVia?: unknown;
  lang?: unknown;
}
