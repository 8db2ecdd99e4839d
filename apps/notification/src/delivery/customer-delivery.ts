import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Events, NOTIFICATION_KINDS } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { FieldCipher } from '@complaints/platform';
import { CallBackChannel } from '../channels/call-back-channel';
import { DELIVERY_CHANNEL_ADAPTERS, DeliveryChannel, DeliveryChannelName, OutboundMessage, Recipient, UndeliverableError } from '../channels/delivery-channel';
import { CustomerMessage } from '../messages/customer-message.entity';
import { deliveryPlan } from './delivery-plan';

export const FIELD_CIPHER = Symbol('FIELD_CIPHER');

export interface ReplyPreference {
  channel: DeliveryChannelName;
  language: 'zh-CN' | 'en';
  ticketNumber: string | null;
  regime: 'cn-cbirc' | 'uk-fca' | 'us-cfpb';
  replyToSealed: string | null;
  vulnerable: boolean;
}

export interface RenderedText {
  templateId: string;
  subject: string;
  body: string;
}

export interface DeliveryAttempt {
  channel: DeliveryChannelName | 'local-sink';
  status: 'sent' | 'delivered' | 'failed' | 'bounced' | 'undeliverable';
  detail: string | null;
  at: string;
}

/**
 * One message id per triggering event and kind, the same on every redelivery and retry, so each
 * channel (Message-ID, Idempotency-Key, letter file name) recognises a repeat downstream too.
 */
export function stableMessageId(causeEventId: string, kind: string): string {
  const h = createHash('sha256').update(`${causeEventId}:${kind}`).digest('hex');
  // RFC 9562 version 8 (custom) layout.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Sends one customer message over the best channel that can carry it: the customer's choice, then
 * the fallbacks (docs: delivery-plan). Runs inside the consumer's transaction: the message row,
 * its attempts and `notification.sent` commit together; a temporary channel failure throws, so
 * the event is retried with the same message id; an event seen before sends nothing.
 */
@Injectable()
export class CustomerDelivery {
  private readonly logger = new Logger('CustomerDelivery');

  constructor(
    @Inject(DELIVERY_CHANNEL_ADAPTERS) private readonly adapters: Map<DeliveryChannelName, DeliveryChannel>,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  recipientOf(preference: ReplyPreference): Recipient {
    if (!preference.replyToSealed) return {};
    return JSON.parse(this.cipher.decrypt(preference.replyToSealed)) as Recipient;
  }

  private callBack(manager: EntityManager, kind: string): CallBackChannel {
    return new CallBackChannel({
      createTask: async (message) => {
        const [row]: { id: string }[] = await manager.query(
          `INSERT INTO call_back_tasks (id, complaint_id, message_id, kind, status, created_at) VALUES ($1, $2, $3, $4, 'open', now())
           ON CONFLICT (message_id) DO UPDATE SET kind = EXCLUDED.kind RETURNING id`,
          [randomUUID(), message.complaintId, message.messageId, kind],
        );
        return { taskId: row.id };
      },
    });
  }

  async send(ctx: EventContext, kind: (typeof NOTIFICATION_KINDS)[number], rendered: RenderedText, preference: ReplyPreference): Promise<CustomerMessage | null> {
    const seen = await ctx.manager.findOneBy(CustomerMessage, { causeEventId: ctx.envelope.eventId });
    if (seen) return null;
    const to = this.recipientOf(preference);
    const message: OutboundMessage = {
      messageId: stableMessageId(ctx.envelope.eventId, kind),
      complaintId: ctx.envelope.complaintId,
      ticketNumber: preference.ticketNumber ?? '',
      kind,
      language: preference.language,
      subject: rendered.subject,
      body: rendered.body,
      to,
    };
    const available = new Set<DeliveryChannelName>([...this.adapters.keys(), 'phone']);
    const plan = deliveryPlan(preference.channel, to, preference.vulnerable, available);
    const attempts: DeliveryAttempt[] = [];
    let delivered: { channel: DeliveryChannelName | 'local-sink'; status: CustomerMessage['status']; providerReference: string | null } | null = null;
    // Without any adapter configured (a development stack) the message is kept in the local sink.
    if (this.adapters.size === 0 && !preference.vulnerable) {
      delivered = { channel: 'local-sink', status: 'sent', providerReference: null };
      attempts.push({ channel: 'local-sink', status: 'sent', detail: 'no delivery channel is configured', at: new Date().toISOString() });
    }
    for (const channel of delivered ? [] : plan) {
      const adapter = channel === 'phone' ? this.callBack(ctx.manager, kind) : this.adapters.get(channel)!;
      try {
        const result = await adapter.deliver(message);
        attempts.push({ channel, status: result.status, detail: result.detail, at: new Date().toISOString() });
        if (result.status === 'sent' || result.status === 'delivered') {
          delivered = { channel, status: result.status, providerReference: result.providerReference };
          break;
        }
      } catch (e) {
        if (!(e instanceof UndeliverableError)) throw e;
        attempts.push({ channel, status: 'undeliverable', detail: e.message, at: new Date().toISOString() });
      }
    }
    const row = ctx.manager.create(CustomerMessage, {
      id: message.messageId,
      complaintId: message.complaintId,
      causeEventId: ctx.envelope.eventId,
      kind,
      channel: delivered?.channel === 'local-sink' ? preference.channel : (delivered?.channel ?? preference.channel),
      template: rendered.templateId,
      language: preference.language,
      subject: rendered.subject,
      body: rendered.body,
      sink: delivered?.channel ?? 'none',
      status: delivered?.status ?? 'failed',
      providerReference: delivered?.providerReference ?? null,
      attempts,
      sentAt: new Date(),
    });
    await ctx.manager.insert(CustomerMessage, row);
    if (!delivered) {
      this.logger.warn(`message ${message.messageId} (${kind}) reached the customer on no channel: ${attempts.map((a) => `${a.channel} ${a.status}`).join(', ') || 'no channel can reach them'}`);
      return row;
    }
    await ctx.publish(Events.NotificationSent, {
      messageId: row.id,
      kind,
      channel: row.channel as 'sms',
      template: rendered.templateId,
      language: preference.language,
    });
    return row;
  }
}
