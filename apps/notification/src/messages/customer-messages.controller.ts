import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { CaseResponseIssued, ComplaintAmended, ComplaintReceived, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { CustomerMessage } from './customer-message.entity';
import { TEMPLATES } from './templates';
import { Allow } from '@complaints/platform';

interface ReplyPreference {
  channel: string;
  language: 'zh-CN' | 'en';
}

@ApiTags('notifications')
@Controller('v1/notifications')
export class CustomerMessagesController {
  constructor(private readonly dataSource: DataSource) {}

  @EventPattern(Events.ComplaintReceived.pattern)
  async acknowledge(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    const received = event.payload;
    const preference: ReplyPreference = { channel: received.preferredReplyChannel, language: received.language };
    await ctx.manager.query(
      `INSERT INTO reply_preferences (complaint_id, channel, language) VALUES ($1, $2, $3) ON CONFLICT (complaint_id) DO NOTHING`,
      [event.complaintId, preference.channel, preference.language],
    );
    const body = TEMPLATES.acknowledgement.render(received, preference.language);
    await this.send(ctx, 'acknowledgement', TEMPLATES.acknowledgement.id, preference, body);
  }

  /** The customer changed how they want to hear from us: later messages follow it. */
  @EventPattern(Events.ComplaintAmended.pattern)
  async followAmendedPreference(@Payload() event: EventEnvelope<ComplaintAmended>, @Ctx() ctx: EventContext) {
    const { preferredReplyChannel, language } = event.payload;
    if (!preferredReplyChannel && !language) return;
    await ctx.manager.query(
      `UPDATE reply_preferences SET channel = coalesce($2, channel), language = coalesce($3, language) WHERE complaint_id = $1`,
      [event.complaintId, preferredReplyChannel ?? null, language ?? null],
    );
  }

  @EventPattern(Events.CaseResponseIssued.pattern)
  async sendFinalResponse(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    const preference = await this.preferenceOf(ctx.manager, event.complaintId);
    const body = TEMPLATES.finalResponse.render(event.payload, preference.language);
    await this.send(ctx, 'final-response', TEMPLATES.finalResponse.id, preference, body);
  }

  @Get()
  @Allow('investigator', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Messages sent about a complaint' })
  list(@Query('complaintId', new ParseUUIDPipe()) complaintId: string) {
    return this.dataSource.getRepository(CustomerMessage).find({ where: { complaintId }, order: { sentAt: 'ASC' } });
  }

  /** Records the message in the local sink; delivery adapters per channel replace the sink later. */
  private async send(
    ctx: EventContext,
    kind: CustomerMessage['kind'],
    template: string,
    preference: ReplyPreference,
    body: string,
  ): Promise<void> {
    const message = ctx.manager.create(CustomerMessage, {
      id: randomUUID(),
      complaintId: ctx.envelope.complaintId,
      causeEventId: ctx.envelope.eventId,
      kind,
      channel: preference.channel,
      template,
      language: preference.language,
      body,
      sink: 'local-sink',
      status: 'sent',
      sentAt: new Date(),
    });
    await ctx.manager.insert(CustomerMessage, message);
    await ctx.publish(Events.NotificationSent, {
      messageId: message.id,
      kind,
      channel: preference.channel as 'sms',
      template,
      language: preference.language,
    });
  }

  private async preferenceOf(manager: EntityManager, complaintId: string): Promise<ReplyPreference> {
    const rows: ReplyPreference[] = await manager.query(
      `SELECT channel, language FROM reply_preferences WHERE complaint_id = $1`,
      [complaintId],
    );
    // The acknowledgement normally comes first; if not, a letter in Chinese is the safe default.
    return rows[0] ?? { channel: 'letter', language: 'zh-CN' };
  }
}
