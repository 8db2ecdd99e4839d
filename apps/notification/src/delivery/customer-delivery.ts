import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { DELIVERY_STATUSES, Events, NOTIFICATION_KINDS } from '@complaints/contracts';
import { EventContext, OutboxPublisher, PublishOptions } from '@complaints/messaging';
import { FieldCipher } from '@complaints/platform';
import { CallBackChannel } from '../channels/call-back-channel';
import {
  DELIVERY_CHANNEL_ADAPTERS,
  DeliveryChannel,
  DeliveryChannelName,
  DeliveryResult,
  OutboundMessage,
  Recipient,
  redactProviderText,
  TransientDeliveryError,
  UndeliverableError,
} from '../channels/delivery-channel';
import { CustomerMessage, HeldFor } from '../messages/customer-message.entity';
import { DELIVERY_POLICY, DeliveryPolicy } from './delivery-policy';
import { deliveryPlan } from './delivery-plan';
import { quietHoursEnd } from './quiet-hours';
import { nextSendWithinLimit } from './rate-limit';

export const FIELD_CIPHER = Symbol('FIELD_CIPHER');

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface ReplyPreference {
  channel: DeliveryChannelName;
  language: 'zh-CN' | 'en';
  ticketNumber: string | null;
  regime: 'cn-cbirc' | 'uk-fca' | 'us-cfpb';
  replyToSealed: string | null;
  vulnerable: boolean;
  /** The customer's pseudonymous reference from intake, when known: whose messages the limit counts together. */
  customerRef: string | null;
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
  /** The provider's id for this attempt, which its receipts may name instead of ours. */
  providerReference?: string | null;
  /** Reported by the provider's receipt after it had accepted the message. */
  receipt?: boolean;
}

export type ReceiptStatus = (typeof DELIVERY_STATUSES)[number];

/** What a provider reports about a message after accepting it. */
export interface ProviderReceipt {
  messageId?: string;
  providerReference?: string;
  status: ReceiptStatus;
  reason?: string | null;
  occurredAt?: string;
}

/** What became of a message on this turn: a channel took it, it waits, or no channel is left. */
type Outcome = 'sent' | 'held' | 'exhausted';

/** Channels that reach the customer's phone in person: held in quiet hours. */
const QUIET_CHANNELS: ReadonlySet<DeliveryChannelName> = new Set(['sms', 'phone']);

/** A call-back puts a person, not a machine, in touch: it does not count towards the automated limit. */
const NOT_AUTOMATED: readonly string[] = ['phone', 'none'];

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
 * A message is due about a complaint whose preferences are unknown: complaint.received has not been
 * handled, or not yet. The message says so and names no personal data (it becomes the dead letter's reason).
 */
export class NoReplyPreferencesError extends Error {
  constructor(
    readonly complaintId: string,
    forWhat: string,
  ) {
    super(`no reply preferences for complaint ${complaintId}, so its ${forWhat} cannot be addressed: complaint.received has not been handled (yet)`);
    this.name = 'NoReplyPreferencesError';
  }
}

interface PreferenceRow {
  channel: ReplyPreference['channel'];
  language: ReplyPreference['language'];
  ticket_number: string | null;
  regime: ReplyPreference['regime'];
  reply_to_sealed: string | null;
  vulnerable: boolean;
  customer_ref: string | null;
}

/**
 * Sends one customer message over the best channel that can carry it: the customer's choice, then
 * the fallbacks (docs: delivery-plan). A message that may not go yet waits with the moment it may:
 * a text or call in the customer's quiet hours, anything over the per-customer limit. The watch
 * (HeldMessages) sends it then, and a provider's receipt of a bounce or failure moves it on to
 * the next channel. Everything runs in the caller's transaction: the message row, its attempts and
 * the events commit together. A provider's temporary failure holds the message for the watch, from
 * an event as from anywhere else: the event's other effects (the preferences complaint.received
 * records above all) commit with the held message. An event seen before sends nothing.
 */
@Injectable()
export class CustomerDelivery {
  private readonly logger = new Logger('CustomerDelivery');

  constructor(
    @Inject(DELIVERY_CHANNEL_ADAPTERS) private readonly adapters: Map<DeliveryChannelName, DeliveryChannel>,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(DELIVERY_POLICY) private readonly policy: DeliveryPolicy,
    private readonly publisher: OutboxPublisher,
  ) {}

  /** The message's text as the customer gets it. */
  textOf(row: Pick<CustomerMessage, 'body' | 'bodySealed'>): string {
    return row.bodySealed !== null ? this.cipher.decrypt(row.bodySealed) : (row.body ?? '');
  }

  recipientOf(preference: ReplyPreference): Recipient {
    if (!preference.replyToSealed) return {};
    return JSON.parse(this.cipher.decrypt(preference.replyToSealed)) as Recipient;
  }

  /** What we learnt from complaint.received (and amendments) about reaching the customer, or null before that. */
  async findPreference(manager: EntityManager, complaintId: string): Promise<ReplyPreference | null> {
    const [row]: PreferenceRow[] = await manager.query(
      `SELECT channel, language, ticket_number, regime, reply_to_sealed, vulnerable, customer_ref FROM reply_preferences WHERE complaint_id = $1`,
      [complaintId],
    );
    if (!row) return null;
    return {
      channel: row.channel,
      language: row.language,
      ticketNumber: row.ticket_number,
      regime: row.regime,
      replyToSealed: row.reply_to_sealed,
      vulnerable: row.vulnerable,
      customerRef: row.customer_ref,
    };
  }

  /**
   * The customer's preferences, which every message needs: its channel and address, its language,
   * and the regime whose mandatory content a final response must carry.
   *
   * There are no defaults to fall back on. complaint.received is their only source, and guesses (a
   * letter in Chinese under cn-cbirc, to no address) would fail a CN customer's final response, have
   * a UK or US one refused for the wrong regime's content, and record the message as owed and dealt
   * with, so that nothing would send it once the preferences are known. A bank would rather the
   * message wait than go wrong: the event fails with NoReplyPreferencesError, nothing of it is
   * recorded, the consumer retries it and then dead-letters it with this reason, and replaying the
   * dead letter once complaint.received is handled sends the message as the customer asked.
   *
   * When that happens: events of one complaint are keyed by its id, so they arrive in order within
   * a topic (complaint.amended after complaint.received), but not across topics. complaint.received
   * is on the intake topic, the others on triage, investigation and compensation; after a backlog
   * or a complaint.received that was itself dead-lettered, a later event can come first. The
   * consumer's few quick retries help only when both are in the same fetch (it fetches again once
   * the records in hand are done), so such an event normally waits in the dead-letter topic.
   */
  async preferenceOf(manager: EntityManager, complaintId: string, forWhat: string): Promise<ReplyPreference> {
    const preference = await this.findPreference(manager, complaintId);
    if (!preference) throw new NoReplyPreferencesError(complaintId, forWhat);
    return preference;
  }

  /** The channels that would be tried for this customer now, in order. */
  planFor(preference: ReplyPreference, to: Recipient = this.recipientOf(preference)): DeliveryChannelName[] {
    const available = new Set<DeliveryChannelName>([...this.adapters.keys(), 'phone']);
    return deliveryPlan(preference.channel, to, preference.vulnerable, available);
  }

  /**
   * A message caused by an event. `onceFor` names what it is owed once for when that is not the
   * event itself (a remedy paid, a case's survey), so a second event about the same thing sends nothing.
   */
  async send(
    ctx: EventContext,
    kind: NotificationKind,
    rendered: RenderedText,
    preference: ReplyPreference,
    options: { onceFor?: string } = {},
  ): Promise<CustomerMessage | null> {
    const causeId = options.onceFor ?? ctx.envelope.eventId;
    const seen = await ctx.manager.findOneBy(CustomerMessage, { causeEventId: causeId });
    if (seen) return null;
    const now = new Date();
    const row = ctx.manager.create(CustomerMessage, {
      id: stableMessageId(causeId, kind),
      complaintId: ctx.envelope.complaintId,
      causeEventId: causeId,
      kind,
      channel: preference.channel,
      template: rendered.templateId,
      language: preference.language,
      subject: rendered.subject,
      body: null,
      bodySealed: this.cipher.encrypt(rendered.body),
      sink: 'none',
      status: 'failed',
      statusReason: null,
      statusUpdatedAt: now,
      providerReference: null,
      attempts: [],
      customerRef: preference.customerRef ?? `complaint:${ctx.envelope.complaintId}`,
      createdAt: now,
      notBefore: null,
      heldFor: null,
      sentAt: null,
    });
    const outcome = await this.deliverOrRetryLater(ctx.manager, row, preference, now, { correlationId: ctx.envelope.correlationId, causationId: ctx.envelope.eventId });
    if (outcome === 'exhausted') this.giveUp(row, now);
    await ctx.manager.insert(CustomerMessage, row);
    return row;
  }

  /**
   * A held message whose time has come (the watch has it locked): sent over the first channel that
   * takes it, or held again (still over the limit, a provider's temporary failure), or failed when
   * no channel is left. Contact details are read afresh: the customer may have changed them meanwhile.
   */
  async sendHeld(manager: EntityManager, row: CustomerMessage, now: Date): Promise<Outcome> {
    const preference = await this.preferenceOf(manager, row.complaintId, `held ${row.kind} message`);
    const outcome = await this.deliverOrRetryLater(manager, row, preference, now);
    if (outcome === 'exhausted') this.giveUp(row, now);
    await this.persist(manager, row);
    return outcome;
  }

  /**
   * A provider's receipt: recorded once (a repeat changes nothing and publishes nothing), published
   * as notification.delivery-updated, and, when it reports a bounce or failure on the channel that
   * carries the message, the message moves on to the next channel of its plan. Null when no
   * message went over this channel under that id.
   */
  async recordReceipt(
    manager: EntityManager,
    channel: DeliveryChannelName,
    receipt: ProviderReceipt,
    now: Date,
  ): Promise<{ message: CustomerMessage; duplicate: boolean } | null> {
    const row = await this.messageForReceipt(manager, channel, receipt);
    if (!row) return null;
    const preference = await this.preferenceOf(manager, row.complaintId, `${row.kind} message's receipt`);
    const to = this.recipientOf(preference);
    // Bounce texts quote the address they bounced from; nothing personal leaves in the event.
    const reason = receipt.reason?.trim() ? redactProviderText(receipt.reason.trim(), to).slice(0, 500) : null;
    const recorded: unknown[] = await manager.query(
      `INSERT INTO delivery_receipts (message_id, channel, status, provider_reference, reason, occurred_at, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING message_id`,
      [row.id, channel, receipt.status, receipt.providerReference ?? null, reason, receipt.occurredAt ?? null, now],
    );
    if (recorded.length === 0) return { message: row, duplicate: true };
    await this.publisher.publish(manager, Events.NotificationDeliveryUpdated, row.complaintId, {
      messageId: row.id,
      kind: row.kind as NotificationKind,
      channel: channel as 'sms',
      status: receipt.status,
      reason,
    });
    row.attempts = [...row.attempts, { channel, status: receipt.status, detail: reason, at: now.toISOString(), providerReference: receipt.providerReference ?? null, receipt: true }];
    // Only news about the channel now carrying the message changes it: a late word about a channel
    // already left behind is kept in the attempts and the event, nothing more.
    const current = row.channel === channel && row.sentAt !== null && (row.status === 'sent' || (row.status === 'delivered' && receipt.status !== 'delivered'));
    if (current) {
      row.status = receipt.status;
      row.statusReason = reason;
      row.statusUpdatedAt = now;
      if (receipt.status !== 'delivered') {
        const outcome = await this.deliverOrRetryLater(manager, row, preference, now);
        if (outcome === 'exhausted') this.logger.warn(`message ${row.id} (${row.kind}) ${receipt.status} over ${channel} and no other channel can carry it`);
      }
    }
    await this.persist(manager, row);
    return { message: row, duplicate: false };
  }

  /**
   * A provider's temporary failure holds the message for the watch, which tries it again after
   * NOTIFICATION_RETRY_DELAY_MS. From an event too: failing the event instead would have the
   * consumer retry it a few times within seconds and then dead-letter it, rolling back everything
   * the event did (the preferences complaint.received records above all), while a provider's
   * outage lasts minutes.
   */
  private async deliverOrRetryLater(manager: EntityManager, row: CustomerMessage, preference: ReplyPreference, now: Date, publish: PublishOptions = {}): Promise<Outcome> {
    try {
      return await this.deliver(manager, row, preference, now, publish);
    } catch (e) {
      if (!(e instanceof TransientDeliveryError)) throw e;
      this.logger.warn(`message ${row.id} (${row.kind}): ${redactProviderText(e.message, this.recipientOf(preference))}; trying again later`);
      this.hold(row, new Date(now.getTime() + this.policy.retryDelayMs), 'retry', now);
      return 'held';
    }
  }

  /**
   * Tries the plan's channels the message has not yet failed on, in order, unless it must wait: a
   * message that has never gone out waits while the customer is at the limit, and a text or a call
   * waits out the customer's quiet hours. Publishes notification.sent when a channel takes it.
   */
  private async deliver(manager: EntityManager, row: CustomerMessage, preference: ReplyPreference, now: Date, publish: PublishOptions): Promise<Outcome> {
    const to = this.recipientOf(preference);
    const message: OutboundMessage = {
      messageId: row.id,
      complaintId: row.complaintId,
      ticketNumber: preference.ticketNumber ?? '',
      kind: row.kind,
      language: row.language,
      subject: row.subject ?? '',
      body: this.textOf(row),
      to,
    };
    // Without any adapter configured (a development stack) the message is kept in the local sink at
    // once: it reaches nobody, so there is nobody to spare at night or from too many messages.
    if (this.adapters.size === 0 && !preference.vulnerable) {
      row.attempts = [...row.attempts, { channel: 'local-sink', status: 'sent', detail: 'no delivery channel is configured', at: now.toISOString() }];
      await this.took(manager, row, 'local-sink', { status: 'sent', providerReference: null }, now, publish, preference.channel);
      return 'sent';
    }
    const failedOn = new Set(row.attempts.filter((a) => a.status !== 'sent' && a.status !== 'delivered').map((a) => a.channel));
    const plan = this.planFor(preference, to).filter((c) => !failedOn.has(c));
    if (row.sentAt === null && plan.length > 0 && !NOT_AUTOMATED.includes(plan[0]) && this.policy.rateLimit) {
      const allowedFrom = await this.nextSendFor(manager, row.customerRef!, now);
      if (allowedFrom > now) {
        this.hold(row, allowedFrom, 'rate-limit', now);
        return 'held';
      }
    }
    for (const channel of plan) {
      if (QUIET_CHANNELS.has(channel) && this.policy.quietHours) {
        const quietUntil = quietHoursEnd(now, this.policy.quietHours, this.policy.timeZones[preference.regime]);
        if (quietUntil > now) {
          this.hold(row, quietUntil, 'quiet-hours', now);
          return 'held';
        }
      }
      const adapter = channel === 'phone' ? this.callBack(manager, row.kind) : this.adapters.get(channel)!;
      try {
        const result = await adapter.deliver(message);
        // The adapters mask what providers say of the recipient; masked again here for any adapter that would not.
        const detail = result.detail === null ? null : redactProviderText(result.detail, to);
        row.attempts = [...row.attempts, { channel, status: result.status, detail, at: now.toISOString(), providerReference: result.providerReference }];
        if (result.status === 'sent' || result.status === 'delivered') {
          await this.took(manager, row, channel, result, now, publish, channel);
          return 'sent';
        }
      } catch (e) {
        if (!(e instanceof UndeliverableError)) throw e;
        row.attempts = [...row.attempts, { channel, status: 'undeliverable', detail: redactProviderText(e.message, to), at: now.toISOString() }];
      }
    }
    return 'exhausted';
  }

  /** When the customer may next receive an automated message. Serialised per customer, so two messages cannot both take the last place. */
  private async nextSendFor(manager: EntityManager, customerRef: string, now: Date): Promise<Date> {
    const rule = this.policy.rateLimit!;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`notification-rate:${customerRef}`]);
    const sent: { sent_at: Date }[] = await manager.query(
      `SELECT sent_at FROM customer_messages WHERE customer_ref = $1 AND sent_at > $2 AND sent_at <= $3 AND sink <> ALL($4)`,
      [customerRef, new Date(now.getTime() - rule.windowMs), now, NOT_AUTOMATED],
    );
    return nextSendWithinLimit(
      sent.map((r) => r.sent_at),
      rule,
      now,
    );
  }

  private hold(row: CustomerMessage, until: Date, heldFor: HeldFor, now: Date): void {
    row.status = 'deferred';
    row.notBefore = until;
    row.heldFor = heldFor;
    row.statusUpdatedAt = now;
    this.logger.log(`message ${row.id} (${row.kind}) held for ${heldFor} until ${until.toISOString()}`);
  }

  private async took(
    manager: EntityManager,
    row: CustomerMessage,
    sink: DeliveryChannelName | 'local-sink',
    result: Pick<DeliveryResult, 'status' | 'providerReference'>,
    now: Date,
    publish: PublishOptions,
    channel: DeliveryChannelName,
  ): Promise<void> {
    row.channel = channel;
    row.sink = sink;
    row.status = result.status as 'sent' | 'delivered';
    row.statusReason = null;
    row.statusUpdatedAt = now;
    row.providerReference = result.providerReference;
    row.sentAt ??= now;
    row.notBefore = null;
    row.heldFor = null;
    await this.publisher.publish(
      manager,
      Events.NotificationSent,
      row.complaintId,
      { messageId: row.id, kind: row.kind as NotificationKind, channel: channel as 'sms', template: row.template, language: row.language },
      publish,
    );
  }

  /** No channel is left: a message that never went out failed; one that did keeps what its provider last reported. */
  private giveUp(row: CustomerMessage, now: Date): void {
    const lastWord = [...row.attempts].reverse().find((a) => a.receipt && (a.status === 'bounced' || a.status === 'failed'));
    row.status = row.sentAt && lastWord ? (lastWord.status as 'bounced' | 'failed') : 'failed';
    row.notBefore = null;
    row.heldFor = null;
    row.statusUpdatedAt = now;
    this.logger.warn(
      `message ${row.id} (${row.kind}) reached the customer on no channel: ${row.attempts.map((a) => `${a.channel} ${a.status}`).join(', ') || 'no channel can reach them'}`,
    );
  }

  private async persist(manager: EntityManager, row: CustomerMessage): Promise<void> {
    await manager.update(CustomerMessage, { id: row.id }, {
      channel: row.channel,
      sink: row.sink,
      status: row.status,
      statusReason: row.statusReason,
      statusUpdatedAt: row.statusUpdatedAt,
      providerReference: row.providerReference,
      attempts: row.attempts,
      notBefore: row.notBefore,
      heldFor: row.heldFor,
      sentAt: row.sentAt,
    });
  }

  /** The message a receipt is about, locked: by our id, or by the provider's id for the current or an earlier attempt over this channel. */
  private async messageForReceipt(manager: EntityManager, channel: DeliveryChannelName, receipt: ProviderReceipt): Promise<CustomerMessage | null> {
    let id = receipt.messageId ?? null;
    if (!id && receipt.providerReference) {
      const [found]: { id: string }[] = await manager.query(
        `SELECT id FROM customer_messages WHERE (channel = $1 AND provider_reference = $2) OR attempts @> $3::jsonb LIMIT 1`,
        [channel, receipt.providerReference, JSON.stringify([{ channel, providerReference: receipt.providerReference }])],
      );
      id = found?.id ?? null;
    }
    if (!id) return null;
    const row = await manager.findOne(CustomerMessage, { where: { id }, lock: { mode: 'pessimistic_write' } });
    // A provider speaks only of what went through it.
    if (!row || !row.attempts.some((a) => a.channel === channel && (a.status === 'sent' || a.status === 'delivered'))) return null;
    return row;
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
}
