import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource, EntityManager } from 'typeorm';
import { CaseResponseIssued, ComplaintAmended, ComplaintReceived, DeadlineClockChanged, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { Allow } from '@complaints/platform';
import { CustomerDelivery, ReplyPreference } from '../delivery/customer-delivery';
import { renderFinalResponse } from '../templates/mandatory-content';
import { renderMessage } from '../templates/message-catalogue';
import { CustomerMessage } from './customer-message.entity';

interface PreferenceRow {
  channel: ReplyPreference['channel'];
  language: ReplyPreference['language'];
  ticket_number: string | null;
  regime: ReplyPreference['regime'];
  reply_to_sealed: string | null;
  vulnerable: boolean;
}

@ApiTags('notifications')
@Controller('v1/notifications')
export class CustomerMessagesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: CustomerDelivery,
  ) {}

  /** The acknowledgement: ticket number, the date of our answer, how to follow it. */
  @EventPattern(Events.ComplaintReceived.pattern)
  async acknowledge(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    const received = event.payload;
    await ctx.manager.query(
      `INSERT INTO reply_preferences (complaint_id, channel, language, ticket_number, regime, reply_to_sealed, vulnerable) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (complaint_id) DO NOTHING`,
      [event.complaintId, received.preferredReplyChannel, received.language, received.ticketNumber, received.regime, received.replyTo ?? null, received.vulnerable ?? false],
    );
    const preference = await this.preferenceOf(ctx.manager, event.complaintId);
    const rendered = renderMessage('acknowledgement', preference.language, { ticketNumber: received.ticketNumber, responseDueBy: received.responseDueBy, regime: received.regime });
    await this.delivery.send(ctx, 'acknowledgement', rendered, preference);
  }

  /** The customer changed how they want to hear from us, or where: later messages follow it. */
  @EventPattern(Events.ComplaintAmended.pattern)
  async followAmendedPreference(@Payload() event: EventEnvelope<ComplaintAmended>, @Ctx() ctx: EventContext) {
    const { preferredReplyChannel, language, replyTo } = event.payload;
    if (!preferredReplyChannel && !language && !replyTo) return;
    await ctx.manager.query(
      `UPDATE reply_preferences SET channel = coalesce($2, channel), language = coalesce($3, language), reply_to_sealed = coalesce($4, reply_to_sealed) WHERE complaint_id = $1`,
      [event.complaintId, preferredReplyChannel ?? null, language ?? null, replyTo ?? null],
    );
  }

  /** More time was approved: the customer is told the new date and why. */
  @EventPattern(Events.DeadlineClockChanged.pattern)
  async noticeExtension(@Payload() event: EventEnvelope<DeadlineClockChanged>, @Ctx() ctx: EventContext) {
    const { change, responseDueBy, reason, ticketNumber } = event.payload;
    if (change !== 'extended' || !responseDueBy) return;
    const preference = await this.preferenceOf(ctx.manager, event.complaintId);
    const rendered = renderMessage('extension', preference.language, { ticketNumber, previousDueBy: null, responseDueBy, reason, regime: preference.regime });
    await this.delivery.send(ctx, 'extension', rendered, preference);
  }

  /**
   * The final response. A letter missing any element its regime requires (decision, reasons,
   * remedy or none, the review right and date, where else to turn) is refused before anything is
   * sent: the event fails with the missing elements named and goes to the dead-letter topic.
   */
  @EventPattern(Events.CaseResponseIssued.pattern)
  async sendFinalResponse(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    const preference = await this.preferenceOf(ctx.manager, event.complaintId);
    const p = event.payload;
    const rendered = renderFinalResponse(preference.language, {
      ticketNumber: p.ticketNumber,
      regime: preference.regime,
      outcome: p.outcome,
      explanation: p.explanation,
      remedy: p.remedy,
      rights: p.rights,
      issuedAt: p.issuedAt,
    });
    await this.delivery.send(ctx, 'final-response', rendered, preference);
  }

  @Get()
  @Allow('investigator', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Messages sent about a complaint, with every channel tried' })
  list(@Query('complaintId', new ParseUUIDPipe()) complaintId: string) {
    return this.dataSource.getRepository(CustomerMessage).find({ where: { complaintId }, order: { sentAt: 'ASC' } });
  }

  private async preferenceOf(manager: EntityManager, complaintId: string): Promise<ReplyPreference> {
    const [row]: PreferenceRow[] = await manager.query(
      `SELECT channel, language, ticket_number, regime, reply_to_sealed, vulnerable FROM reply_preferences WHERE complaint_id = $1`,
      [complaintId],
    );
    // The acknowledgement normally comes first; if not, a letter in Chinese is the safe default.
    if (!row) return { channel: 'letter', language: 'zh-CN', ticketNumber: null, regime: 'cn-cbirc', replyToSealed: null, vulnerable: false };
    return { channel: row.channel, language: row.language, ticketNumber: row.ticket_number, regime: row.regime, replyToSealed: row.reply_to_sealed, vulnerable: row.vulnerable };
  }
}
