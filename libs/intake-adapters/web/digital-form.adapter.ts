import { Channel } from '@complaints/contracts';
import { MoneyFormatError, toMinorUnits } from '@complaints/domain';
import { AdapterOutcome, AttachmentUpload, canonicalProblems, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_ATTACHMENTS } from '../src/canonical-complaint';
import { parseJson, verifyHmac } from '../src/signed-json/hmac';
import { firstReachable, ReplyChannel } from '../src/reply-to';

/**
 * The complaint form of the bank's website and mobile app. The form back end posts what the
 * customer typed, signed with the platform's HMAC. Its field names are the form's, not ours:
 *
 *   { "formId", "submittedAt", "customer": { "customerNo", "name", "mobile", "email", "idNo", "address" },
 *     "product", "account", "content", "occurredOn", "amount": "300.00", "currency": "CNY",
 *     "replyVia": "sms" | "email" | "app" | "phone" | "letter" | "wechat", "lang": "zh-CN" | "en",
 *     "files": [{ "name", "type", "base64" }], "consent": { "personalData": true, "survey": false },
 *     "device": { "appVersion", "platform" }   (app only, not kept) }
 *
 * `customer.address` is the customer's postal address, lines separated by line breaks (at most 300
 * characters on 6 lines). Without `replyVia` the website answers by e-mail, then SMS, the app inbox (by
 * customer number) or a letter, and the app by its inbox, then SMS, e-mail or a letter: the first the
 * form can reach. A form that can reach the customer by none of them is refused, for the form to ask
 * for a way to answer; a `replyVia` the form gives no means for (`letter` without an address) is
 * refused by the canonical validation, never replaced by another channel.
 *
 * At most 20 files (MAX_ATTACHMENTS), each with a media type and a name of at most 255 characters,
 * all checked before any file is decoded; the endpoint stores the bytes only once the whole complaint
 * has passed the canonical validation.
 */
export class DigitalFormAdapter implements ChannelAdapter {
  readonly accepts = ['application/json'] as const;

  constructor(
    readonly channel: Extract<Channel, 'web' | 'mobile-app'>,
    private readonly secret: Buffer | undefined,
  ) {}

  verify(message: InboundMessage): Verification {
    return verifyHmac(message, this.secret);
  }

  map(message: InboundMessage): AdapterOutcome {
    const parsed = parseJson(message);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const form = parsed.value as FormPayload;
    if (typeof form.formId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(form.formId)) {
      return { kind: 'refused', reason: 'formId is required: 1-128 letters, digits or ._:-', path: 'formId' };
    }
    if (typeof form.content !== 'string' || form.content.trim() === '') {
      return { kind: 'refused', reason: 'content is required: the customer must say what went wrong', path: 'content' };
    }
    let amountInDispute: CanonicalComplaint['amountInDispute'];
    if (form.amount !== undefined && form.amount !== null && form.amount !== '') {
      if (form.currency !== undefined && (typeof form.currency !== 'string' || !/^[A-Z]{3}$/.test(form.currency))) {
        return { kind: 'refused', reason: 'currency must be an ISO 4217 code such as CNY', path: 'currency' };
      }
      if (typeof form.amount !== 'string' && typeof form.amount !== 'number') {
        return { kind: 'refused', reason: 'amount must be a decimal such as "300.00"', path: 'amount' };
      }
      try {
        const currency = (form.currency as string | undefined) ?? 'CNY';
        amountInDispute = { amountMinor: toMinorUnits(String(form.amount), currency), currency };
      } catch (e) {
        if (e instanceof MoneyFormatError) return { kind: 'refused', reason: `amount: ${e.message}`, path: 'amount' };
        throw e;
      }
    }
    const files = Array.isArray(form.files) ? form.files : [];
    if (files.length > MAX_ATTACHMENTS) {
      return { kind: 'refused', reason: `the form has ${files.length} files; at most ${MAX_ATTACHMENTS} can be filed with a complaint`, path: 'files' };
    }
    // Every file's name and type are checked before any is decoded: a form refused for its tenth file costs no bytes.
    for (const [i, file] of files.entries()) {
      if (typeof file?.base64 !== 'string' || typeof file.type !== 'string') {
        return { kind: 'refused', reason: `files[${i}] needs type and base64 content`, path: `files[${i}]` };
      }
      if (!MEDIA_TYPE.test(file.type.toLowerCase())) {
        return { kind: 'refused', reason: `files[${i}].type must be a media type such as image/jpeg`, path: `files[${i}].type` };
      }
      if (typeof file.name === 'string' && (file.name.length > MAX_FILE_NAME_LENGTH || hasControlCharacter(file.name))) {
        return { kind: 'refused', reason: `files[${i}].name must be at most ${MAX_FILE_NAME_LENGTH} characters without control characters`, path: `files[${i}].name` };
      }
    }
    const uploads: AttachmentUpload[] = [];
    for (const [i, file] of files.entries()) {
      const content = Buffer.from(file.base64 as string, 'base64');
      if (content.length === 0) return { kind: 'refused', reason: `files[${i}] is empty`, path: `files[${i}]` };
      uploads.push({ fileName: typeof file.name === 'string' ? file.name : undefined, mediaType: (file.type as string).toLowerCase(), content });
    }
    const customer = form.customer ?? {};
    const complainant = {
      customerId: customer.customerNo,
      name: customer.name,
      phone: customer.mobile,
      email: customer.email,
      idNumber: customer.idNo,
      postalAddress: customer.address,
    };
    const preferredReplyChannel = form.replyVia ?? firstReachable(DEFAULT_REPLY_CHANNELS[this.channel], { channel: this.channel, complainant });
    if (preferredReplyChannel === undefined) {
      return {
        kind: 'refused',
        reason: "the form leaves no way to answer the customer: it needs the customer's e-mail address, mobile number, customer number or postal address, or replyVia",
        path: 'customer',
      };
    }
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: form.formId,
      complainant,
      description: form.content.trim(),
      productHint: form.product,
      accountReference: form.account,
      occurredAt: form.occurredOn,
      amountInDispute,
      preferredReplyChannel: preferredReplyChannel as CanonicalComplaint['preferredReplyChannel'],
      language: form.lang,
      consent: form.consent ? { dataProcessing: form.consent.personalData === true, survey: form.consent.survey } : undefined,
    } as CanonicalComplaint);
    // What the platform would reject goes back to the form now, with the reason (which names fields, never their values).
    const problems = canonicalProblems(complaint);
    if (problems.length) {
      return { kind: 'refused', reason: `the form does not make a valid complaint: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, path: problems[0].path };
    }
    return { kind: 'complaint', messageId: form.formId, complaint, uploads };
  }
}

/** Without `replyVia`, in order: the first the form can reach. */
const DEFAULT_REPLY_CHANNELS: Readonly<Record<'web' | 'mobile-app', readonly ReplyChannel[]>> = {
  web: ['email', 'sms', 'app', 'letter'],
  'mobile-app': ['app', 'sms', 'email', 'letter'],
};

/** As the canonical attachment holds them. */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/;
const MAX_FILE_NAME_LENGTH = 255;

/** C0 and C1 controls, DEL included: a file name shown to handlers must not carry line breaks or terminal escapes. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

interface FormPayload {
  formId?: unknown;
  submittedAt?: string;
  customer?: { customerNo?: string; name?: string; mobile?: string; email?: string; idNo?: string; address?: string };
  product?: string;
  account?: string;
  content?: unknown;
  occurredOn?: string;
  amount?: string | number | null;
  currency?: unknown;
  replyVia?: string;
  lang?: 'zh-CN' | 'en';
  files?: { name?: unknown; type?: unknown; base64?: unknown }[];
  consent?: { personalData?: unknown; survey?: boolean };
}
