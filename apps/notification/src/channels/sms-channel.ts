import { DeliveryChannel, DeliveryResult, OutboundMessage, present, UndeliverableError } from './delivery-channel';
import { postJson, resultOf } from './http-delivery';

export const DEFAULT_SMS_MAX_LENGTH = 300;
/** Below this the truncation note and ticket number would not leave room for any of the message. */
export const MIN_SMS_MAX_LENGTH = 100;

export interface SmsChannelOptions {
  /** The provider's send URL. */
  endpoint: string;
  apiKey: string;
  /** Longest text sent, in characters (code points); default 300. */
  maxLength?: number;
  timeoutMs?: number;
}

/**
 * The text of an SMS: the body itself when it fits in `maxLength` characters. When it does not,
 * the beginning of the body (cut at `maxLength` minus the note), then a note in the message's
 * language with the ticket number saying the full text is in the letter or the app, e.g.
 * "…（受理编号 CMP-2026-000123，完整内容请以书面函件或手机银行App为准）". Characters are counted
 * as code points; how the provider splits them into segments is its business.
 */
export function smsText(message: OutboundMessage, maxLength = DEFAULT_SMS_MAX_LENGTH): string {
  const chars = Array.from(message.body.trim());
  if (chars.length <= maxLength) return chars.join('');
  const note =
    message.language === 'zh-CN'
      ? `…（受理编号 ${message.ticketNumber}，完整内容请以书面函件或手机银行App为准）`
      : `… (ref ${message.ticketNumber}; see the letter or the app for the full text)`;
  const room = Math.max(0, maxLength - Array.from(note).length);
  return `${chars.slice(0, room).join('').trimEnd()}${note}`;
}

/**
 * SMS through an HTTP provider: POST {endpoint} with `{ to, text, clientReference: messageId }`,
 * `Authorization: Bearer <apiKey>` and `Idempotency-Key: <messageId>` (a retry is the same send to
 * the provider). 2xx → sent (provider's `id`); 408/429/5xx/network → TransientDeliveryError; other
 * answers → failed with the provider's explanation. Providers' texts come back with the recipient's
 * number and any digit run masked (`redactProviderText`), whether they become an error or a detail.
 */
export class SmsChannel implements DeliveryChannel {
  readonly channel = 'sms' as const;
  private readonly maxLength: number;

  constructor(private readonly options: SmsChannelOptions) {
    this.maxLength = options.maxLength ?? DEFAULT_SMS_MAX_LENGTH;
    if (!Number.isInteger(this.maxLength) || this.maxLength < MIN_SMS_MAX_LENGTH) {
      throw new Error(`SMS max length must be an integer of at least ${MIN_SMS_MAX_LENGTH}, got ${options.maxLength}`);
    }
  }

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    const to = present(message.to.phone);
    if (!to) throw new UndeliverableError(`message ${message.messageId}: the recipient has no phone number`);
    const body = JSON.stringify({ to, text: smsText(message, this.maxLength), clientReference: message.messageId });
    const answer = await postJson(
      this.options.endpoint,
      body,
      { authorization: `Bearer ${this.options.apiKey}`, 'idempotency-key': message.messageId },
      { timeoutMs: this.options.timeoutMs, what: 'SMS provider', to: message.to },
    );
    return resultOf(answer, 'SMS provider', message.to);
  }
}
