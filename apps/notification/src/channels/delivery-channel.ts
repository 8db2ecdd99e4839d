import { redactPersonalText } from '@complaints/domain';

/**
 * The port through which the notification service delivers one message to one customer, and the
 * vocabulary its adapters share. An adapter either returns what happened (sent, delivered, failed,
 * bounced) or throws one of two errors that tell the caller what to do next:
 *
 *  - TransientDeliveryError: try again later with the same messageId (adapters pass the messageId
 *    on as Message-ID / Idempotency-Key / file name, so a retry is recognisable downstream);
 *  - UndeliverableError: this channel can never reach this recipient (no address): fall back to
 *    another channel.
 */
export const DELIVERY_CHANNELS = ['email', 'sms', 'app', 'wechat', 'letter', 'phone'] as const;
export type DeliveryChannelName = (typeof DELIVERY_CHANNELS)[number];

export interface Recipient {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  appUserId?: string | null;
  wechatOpenId?: string | null;
  postalAddress?: string | null;
}

export interface OutboundMessage {
  /** uuid, stable across retries */
  messageId: string;
  complaintId: string;
  ticketNumber: string;
  kind: string;
  language: 'zh-CN' | 'en';
  subject: string;
  /** plain text, paragraphs separated by blank lines */
  body: string;
  to: Recipient;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'failed' | 'bounced';

export interface DeliveryResult {
  status: DeliveryStatus;
  providerReference: string | null;
  detail: string | null;
  document?: { contentType: string; bytes: Buffer };
}

/** A temporary failure (network, 5xx, 429): the caller retries with the same messageId. */
export class TransientDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientDeliveryError';
  }
}

/** The channel cannot carry this message to this recipient at all (no address): the caller falls back to another channel. */
export class UndeliverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndeliverableError';
  }
}

export interface DeliveryChannel {
  readonly channel: DeliveryChannelName;
  deliver(message: OutboundMessage): Promise<DeliveryResult>;
}

/** Nest injection token for the Map<DeliveryChannelName, DeliveryChannel> of configured adapters. */
export const DELIVERY_CHANNEL_ADAPTERS = Symbol('DELIVERY_CHANNEL_ADAPTERS');

/** What a customer reads for a message kind (WeChat's keyword2, letter headings). */
export const KIND_LABELS: Record<string, Record<OutboundMessage['language'], string>> = {
  acknowledgement: { 'zh-CN': '投诉受理通知', en: 'Complaint acknowledgement' },
  'final-response': { 'zh-CN': '投诉处理最终答复', en: 'Final response to your complaint' },
  survey: { 'zh-CN': '投诉处理满意度回访', en: 'How did we handle your complaint?' },
  'remedy-paid': { 'zh-CN': '补偿款到账通知', en: 'Your compensation has been paid' },
};

export function kindLabel(kind: string, language: OutboundMessage['language']): string {
  return KIND_LABELS[kind]?.[language] ?? kind;
}

/** The first `max` characters (code points, so a surrogate pair is never cut in half). */
export function firstChars(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max)).join('');
}

/**
 * What a provider said, fit to become an error, an attempt's detail or a log field: providers quote
 * the recipient (an SMTP server's `450 4.1.2 <name@example.cn>: Recipient address rejected`, an SMS
 * gateway's "number 139... is blocked"), so the recipient's details, any e-mail address and every
 * run of seven or more digits are masked. Adapters pass every text built from a provider's answer
 * or error through it, and keep no raw error that quotes the recipient as a cause.
 */
export function redactProviderText(text: string, to: Recipient): string {
  return redactPersonalText(text, [to.name, to.email, to.phone, to.appUserId, to.wechatOpenId, to.postalAddress]);
}

/** A non-empty trimmed address, or null. */
export function present(value: string | null | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}
