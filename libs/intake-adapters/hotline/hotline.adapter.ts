import { REPLY_CHANNELS } from '@complaints/contracts';
import { MoneyFormatError, toMinorUnits } from '@complaints/domain';
import { AdapterOutcome, canonicalProblems, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { parseJson, verifyHmac } from '../src/signed-json/hmac';
import { clip, isObject, MAX_TRANSCRIPT_TURNS, text } from '../src/payload';
import { firstReachable, ReplyChannel } from '../src/reply-to';

/**
 * A complaint taken by the call centre (IVR and agents, 95xxx). When the agent closes the call's
 * wrap-up, the contact-centre platform posts the call, signed with the platform's HMAC. Its field
 * names are the contact centre's, not ours:
 *
 *   { "callId": "CC20261123-000481", "agentId": "A1042", "startedAt", "endedAt",
 *     "callerNumber": "+8613800138000" | "anonymous"   (the presented number; "anonymous" when withheld),
 *     "callbackNumber": "13800138000"   (the number the caller asked to be called back on, when the agent took one),
 *     "ivr": { "verified": true, "customerNo": "C000888", "method": "TPIN" | "SMS_OTP" | "VOICEPRINT" },
 *     "recordingRef": "rec/2026/11/23/CC20261123-000481.wav",
 *     "transcript": [{ "speaker": "customer" | "agent", "text", "at": "2026-11-23T07:41:12Z" }],
 *     "agentSummary", "callerName", "product", "accountNo", "amount": "300.00", "currency": "CNY",
 *     "occurredOn", "replyVia": "sms" | "email" | "app" | "phone" | "letter" | "wechat", "lang": "zh-CN" | "en",
 *     "consent": { "personalData": true, "recording": true, "survey": false } }
 *
 * The description is the agent's summary followed by the customer's own words from the transcript, so
 * nobody has to ask the customer again; the agent's turns are left out. A transcript of more than
 * 2,000 turns (MAX_TRANSCRIPT_TURNS) is refused: no call a person wraps up is that long. A customer number counts only
 * when the IVR verified it. The complainant's phone is the call-back number the agent took, else the
 * presented number. The bank phones back unless the customer chose another way; a caller who withheld
 * their number and left none to call back is answered in the app when the IVR verified their customer
 * number, and otherwise the call is refused, for the agent to record a call-back number at wrap-up (a
 * complaint nobody can be answered on would be filed only to fail). The agent id
 * (as `staffId`) and the recording reference are kept as the channel context when the call has them;
 * one the canonical complaint could not hold is left out rather than refusing the complaint, since the
 * call id finds both in the contact centre anyway. Not kept: the call's start and end times, how the
 * IVR verified the caller, and the times of the transcript's turns.
 */
export class HotlineCallAdapter implements ChannelAdapter {
  readonly channel = 'hotline' as const;
  readonly accepts = ['application/json'] as const;

  constructor(private readonly secret: Buffer | undefined) {}

  verify(message: InboundMessage): Verification {
    return verifyHmac(message, this.secret);
  }

  map(message: InboundMessage): AdapterOutcome {
    const parsed = parseJson(message);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const call = parsed.value as CallRecord;
    const callId = text(call.callId);
    if (!callId || !/^[A-Za-z0-9._:-]{1,128}$/.test(callId)) {
      return { kind: 'refused', reason: 'callId is required: 1-128 letters, digits or ._:-', path: 'callId' };
    }

    const turns = call.transcript === undefined || call.transcript === null ? [] : call.transcript;
    if (!Array.isArray(turns)) return { kind: 'refused', reason: 'transcript must be a list of turns', path: 'transcript' };
    if (turns.length > MAX_TRANSCRIPT_TURNS) {
      return { kind: 'refused', reason: `the transcript has ${turns.length} turns; at most ${MAX_TRANSCRIPT_TURNS} can be filed with a call`, path: 'transcript' };
    }
    const customerWords: string[] = [];
    for (const [i, turn] of turns.entries()) {
      const t = isObject(turn) ? (turn as CallTurn) : undefined;
      if (!t || (t.speaker !== 'customer' && t.speaker !== 'agent') || typeof t.text !== 'string') {
        return { kind: 'refused', reason: `transcript[${i}] needs speaker "customer" or "agent" and text`, path: `transcript[${i}]` };
      }
      const words = t.text.replace(/\s+/g, ' ').trim();
      if (t.speaker === 'customer' && words) customerWords.push(words);
    }
    const summary = text(call.agentSummary);
    if (!summary && customerWords.length === 0) {
      return { kind: 'refused', reason: "the call needs the agent's summary or the customer's words in the transcript", path: 'agentSummary' };
    }

    const callerNumber = text(call.callerNumber);
    const withheld = !callerNumber || WITHHELD.includes(callerNumber.toLowerCase());
    if (!withheld && !PHONE.test(callerNumber)) {
      return { kind: 'refused', reason: 'callerNumber must be digits, spaces or dashes with an optional leading +, or "anonymous"', path: 'callerNumber' };
    }
    const callbackNumber = text(call.callbackNumber);
    if (callbackNumber && !PHONE.test(callbackNumber)) {
      return { kind: 'refused', reason: 'callbackNumber must be digits, spaces or dashes with an optional leading +', path: 'callbackNumber' };
    }
    const ivr = isObject(call.ivr) ? (call.ivr as CallIvr) : undefined;
    const complainant = {
      customerId: ivr?.verified === true ? text(ivr.customerNo) : undefined,
      name: text(call.callerName),
      phone: callbackNumber ?? (withheld ? undefined : callerNumber),
    };
    if (!Object.values(complainant).some(Boolean)) {
      return { kind: 'refused', reason: "the call needs a caller number, a customer number the IVR verified or the caller's name", path: 'callerNumber' };
    }

    let amountInDispute: CanonicalComplaint['amountInDispute'];
    if (call.amount !== undefined && call.amount !== null && call.amount !== '') {
      const currency = text(call.currency) ?? 'CNY';
      try {
        amountInDispute = { amountMinor: toMinorUnits(String(call.amount), currency), currency };
      } catch (e) {
        if (e instanceof MoneyFormatError) return { kind: 'refused', reason: `amount: ${e.message}`, path: 'amount' };
        throw e;
      }
    }

    const preferredReplyChannel = text(call.replyVia) ?? firstReachable(DEFAULT_REPLY_CHANNELS, { channel: this.channel, complainant });
    if (!preferredReplyChannel) {
      return {
        kind: 'refused',
        reason: 'the call leaves no way to answer the caller: the number was withheld and no call-back number was taken (callbackNumber)',
        path: 'callbackNumber',
      };
    }
    if (!(REPLY_CHANNELS as readonly string[]).includes(preferredReplyChannel)) {
      return { kind: 'refused', reason: `replyVia must be one of ${REPLY_CHANNELS.join(', ')}`, path: 'replyVia' };
    }

    const language = call.lang === 'zh-CN' || call.lang === 'en' ? call.lang : undefined;
    const chinese = language ? language === 'zh-CN' : CJK.test([summary, ...customerWords].join(''));
    const consent = isObject(call.consent) ? (call.consent as CallConsent) : undefined;
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: callId,
      complainant,
      description: describeCall(summary, customerWords, chinese),
      productHint: text(call.product),
      accountReference: text(call.accountNo),
      occurredAt: text(call.occurredOn),
      amountInDispute,
      preferredReplyChannel: preferredReplyChannel as CanonicalComplaint['preferredReplyChannel'],
      language,
      consent: consent
        ? {
            dataProcessing: consent.personalData === true,
            callRecording: typeof consent.recording === 'boolean' ? consent.recording : undefined,
            survey: typeof consent.survey === 'boolean' ? consent.survey : undefined,
          }
        : undefined,
      channelContext: callContext(call),
    } as CanonicalComplaint);
    // What the platform would reject goes back to the channel now, with the reason (which names fields, never their values).
    const problems = canonicalProblems(complaint);
    if (problems.length) {
      return { kind: 'refused', reason: `the call does not make a valid complaint: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, path: problems[0].path };
    }
    return { kind: 'complaint', messageId: callId, complaint, uploads: [] };
  }
}

/** Who took the call and where its recording is, as far as the call says so in a form the canonical complaint holds. */
function callContext(call: CallRecord): CanonicalComplaint['channelContext'] {
  const staffId = text(call.agentId);
  const recordingReference = text(call.recordingRef);
  const context = {
    staffId: staffId && STAFF_ID.test(staffId) ? staffId : undefined,
    recordingReference: recordingReference && RECORDING_REFERENCE.test(recordingReference) ? recordingReference : undefined,
  };
  return context.staffId || context.recordingReference ? context : undefined;
}

/** Without `replyVia`: a call back, else the app inbox of a customer the IVR verified. */
const DEFAULT_REPLY_CHANNELS: readonly ReplyChannel[] = ['phone', 'app'];

const STAFF_ID = /^[A-Za-z0-9._-]{1,32}$/;
const RECORDING_REFERENCE = /^[A-Za-z0-9:/._-]{1,200}$/;
const PHONE = /^\+?[0-9 -]{5,20}$/;
const WITHHELD = ['anonymous', 'withheld', 'private', 'unknown'];
const CJK = /[\u3400-\u9fff]/;

/**
 * The agent's summary, then the customer's words, one turn a line. When that is longer than a
 * description may be, the earliest words go first (the summary already says how the call began),
 * and the description says so.
 */
function describeCall(summary: string | undefined, customerWords: string[], chinese: boolean): string {
  if (customerWords.length === 0) return clip(summary ?? '');
  const label = chinese ? '客户原话：' : "The customer's own words:";
  const omitted = chinese ? '（前面的话已省略）' : '(earlier words omitted)';
  const compose = (head: string | undefined, from: number) =>
    [...(head ? [head, ''] : []), label, ...(from > 0 ? [omitted] : []), ...customerWords.slice(from)].join('\n');
  // The length of compose(head, from) without composing it: every line and its line break, less the
  // last break. Dropping a turn takes its line off the total, so finding where to start is one pass.
  let allWords = 0;
  for (const words of customerWords) allWords += words.length + 1;
  // An over-long summary gives up its end before the customer's last words give up theirs.
  for (const head of summary && summary.length > MAX_DESCRIPTION_LENGTH / 2 ? [summary, clip(summary, MAX_DESCRIPTION_LENGTH / 2)] : [summary]) {
    const frame = (head ? head.length + 1 + 1 : 0) + label.length + 1 - 1;
    let shown = allWords;
    for (let from = 0; from < customerWords.length; from++) {
      if (frame + shown + (from > 0 ? omitted.length + 1 : 0) <= MAX_DESCRIPTION_LENGTH) return compose(head, from);
      shown -= customerWords[from].length + 1;
    }
  }
  // Even the last turn alone is too long: keep its beginning.
  return clip(compose(summary && clip(summary, MAX_DESCRIPTION_LENGTH / 2), customerWords.length - 1));
}

interface CallTurn {
  speaker?: unknown;
  text?: unknown;
  at?: unknown;
}

interface CallIvr {
  verified?: unknown;
  customerNo?: unknown;
  method?: unknown;
}

interface CallConsent {
  personalData?: unknown;
  recording?: unknown;
  survey?: unknown;
}

interface CallRecord {
  callId?: unknown;
  agentId?: unknown;
  startedAt?: unknown;
  endedAt?: unknown;
  callerNumber?: unknown;
  callbackNumber?: unknown;
  ivr?: unknown;
  recordingRef?: unknown;
  transcript?: unknown;
  agentSummary?: unknown;
  callerName?: unknown;
  product?: unknown;
  accountNo?: unknown;
  amount?: unknown;
  currency?: unknown;
  occurredOn?: unknown;
  replyVia?: unknown;
  lang?: unknown;
  consent?: unknown;
}
